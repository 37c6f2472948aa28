//! SQL text to plans: every statement a script holds is parsed and planned (bound,
//! rewritten, its changelog derived, lowered) in one session, as `sluice run` and the
//! job service's validation do, without running anything. Whatever the text, planning
//! ends with a plan or a diagnostic, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_connector_api::ConnectorRegistry;
use sluice_planner::Session;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    let Ok(statements) = sluice_sql::parse_statements(sql) else { return };
    let mut registry = ConnectorRegistry::default();
    sluice_connectors::register_all(&mut registry);
    let mut session = Session::new(registry);
    for statement in &statements {
        let _ = session.execute(statement, sql);
    }
});
