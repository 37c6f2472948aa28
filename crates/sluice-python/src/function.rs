//! `PythonFunction`: one registered Python function, its declared signature and its pool
//! of workers.

use std::sync::{Arc, Mutex, RwLock};

use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, RecordBatchOptions, StructArray, UInt32Array};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use sluice_expr::{EvalError, ScalarUdf};

use crate::worker::{Launch, Worker};
use crate::{PythonError, PythonSettings};

/// What the decorator made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// `@udf`: called once per row, NULLs as `None`.
    Scalar,
    /// `@udf(func_type="pandas")`: called once per batch with `pandas.Series`.
    Pandas,
    /// `@udtf`: yields rows.
    Table,
}

/// What the decorator declared, types as Flink SQL text (`BOOLEAN`, `DECIMAL(10, 2)`).
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    pub kind: FunctionKind,
    pub result_types: Vec<String>,
    pub input_types: Option<Vec<String>>,
    pub deterministic: bool,
}

#[derive(serde::Deserialize)]
struct Description {
    kind: String,
    result_types: Vec<String>,
    input_types: Option<Vec<String>>,
    deterministic: bool,
}

/// A function registered with `CREATE FUNCTION name AS 'module.function' LANGUAGE PYTHON`.
///
/// Its first use at planning starts a worker to read the signature; that worker is kept
/// for the job. Each evaluation takes an idle worker (or starts one, running the function's
/// `open` once in it), so each job thread has its own process.
pub struct PythonFunction {
    name: String,
    target: String,
    settings: Arc<RwLock<PythonSettings>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    signature: Option<Signature>,
    result_schema: Option<SchemaRef>,
    /// For a table function: the call's Arrow type, a list of structs (one list of result
    /// rows per input row).
    table_type: Option<ArrowType>,
    /// Started and waiting for a batch.
    idle: Vec<Worker>,
    /// Described at planning, not started yet (it needs the result schema).
    described: Option<Worker>,
}

impl PythonFunction {
    pub fn new(name: &str, target: &str, settings: Arc<RwLock<PythonSettings>>) -> Arc<Self> {
        Arc::new(PythonFunction {
            name: name.to_string(),
            target: target.to_string(),
            settings,
            state: Mutex::new(State::default()),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `module.function`, as registered.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The declared signature, read from a worker on first use.
    pub fn signature(&self) -> Result<Signature, PythonError> {
        let mut state = self.lock()?;
        if let Some(s) = &state.signature {
            return Ok(s.clone());
        }
        let (worker, description) = self.spawn()?;
        let d: Description = serde_json::from_slice(&description)
            .map_err(|e| PythonError::Protocol { function: self.name.clone(), message: e.to_string() })?;
        let kind = match d.kind.as_str() {
            "pandas" => FunctionKind::Pandas,
            "table" => FunctionKind::Table,
            _ => FunctionKind::Scalar,
        };
        let signature =
            Signature { kind, result_types: d.result_types, input_types: d.input_types, deterministic: d.deterministic };
        state.signature = Some(signature.clone());
        state.described = Some(worker);
        Ok(signature)
    }

    /// Sets the Arrow schema the worker must answer with (one field per result column;
    /// a table function's start with the `UInt32` index of the input row).
    pub fn set_result_schema(&self, schema: SchemaRef) -> Result<(), PythonError> {
        self.lock()?.result_schema = Some(schema);
        Ok(())
    }

    /// For a table function: the Arrow type of the call (`ARRAY<ROW<...>>`), whose
    /// struct fields are the result columns after the row index of the result schema.
    pub fn set_table_type(&self, list_type: ArrowType) -> Result<(), PythonError> {
        self.lock()?.table_type = Some(list_type);
        Ok(())
    }

    /// Calls the function on one batch of argument columns.
    pub fn call(&self, args: &[ArrayRef], rows: usize) -> Result<RecordBatch, PythonError> {
        let fields: Vec<Field> =
            args.iter().enumerate().map(|(i, a)| Field::new(format!("a{i}"), a.data_type().clone(), true)).collect();
        let batch = RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            args.to_vec(),
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| PythonError::Protocol { function: self.name.clone(), message: e.to_string() })?;
        let (mut worker, schema) = self.take_worker()?;
        match worker.call(&batch) {
            Ok(result) => {
                self.give_back(worker);
                if result.schema().fields().len() != schema.fields().len()
                    || result.columns().iter().zip(schema.fields()).any(|(c, f)| c.data_type() != f.data_type())
                {
                    return Err(PythonError::Protocol {
                        function: self.name.clone(),
                        message: format!("the result batch has schema {:?}, expected {:?}", result.schema(), schema),
                    });
                }
                Ok(result)
            }
            // The worker is fine after an exception in the function.
            Err(e @ PythonError::Raised { .. }) => {
                self.give_back(worker);
                Err(e)
            }
            // A dead, hung or confused worker is dropped; the next call starts a new one.
            Err(e) => Err(e),
        }
    }

    fn take_worker(&self) -> Result<(Worker, SchemaRef), PythonError> {
        let (described, schema) = {
            let mut state = self.lock()?;
            let schema = state.result_schema.clone().ok_or_else(|| PythonError::Protocol {
                function: self.name.clone(),
                message: "called before its result type was set".into(),
            })?;
            if let Some(w) = state.idle.pop() {
                return Ok((w, schema));
            }
            (state.described.take(), schema)
        };
        let mut worker = match described {
            Some(w) => w,
            None => self.spawn()?.0,
        };
        worker.start(&schema)?;
        Ok((worker, schema))
    }

    fn give_back(&self, worker: Worker) {
        if let Ok(mut state) = self.state.lock() {
            state.idle.push(worker);
        }
    }

    fn spawn(&self) -> Result<(Worker, Vec<u8>), PythonError> {
        let settings = self.settings.read().map(|s| s.clone()).unwrap_or_default();
        let setup = |message: String| PythonError::Setup { function: self.name.clone(), message, detail: None };
        let files = crate::files::worker_files().map_err(setup)?;
        let interpreter = settings.interpreter().map_err(setup)?;
        let spec = serde_json::json!({
            "target": self.target,
            "paths": settings.module_paths(),
            "shim": files.shim.to_string_lossy(),
            "job_parameters": settings.job_parameters.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
        })
        .to_string();
        Worker::spawn(Launch {
            function: &self.name,
            interpreter: &interpreter,
            worker: &files.worker,
            spec,
            timeout: settings.timeout,
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, PythonError> {
        self.state
            .lock()
            .map_err(|_| PythonError::Protocol { function: self.name.clone(), message: "a worker pool lock was poisoned".into() })
    }
}

impl ScalarUdf for PythonFunction {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_deterministic(&self) -> bool {
        self.state.lock().ok().and_then(|s| s.signature.as_ref().map(|s| s.deterministic)).unwrap_or(true)
    }

    fn invoke(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef, EvalError> {
        let batch = self.call(args, rows).map_err(|e| EvalError::Runtime(e.to_string()))?;
        let table_type = self.state.lock().ok().and_then(|s| s.table_type.clone());
        match table_type {
            Some(list_type) => rows_as_lists(&batch, rows, &list_type).map_err(|e| EvalError::Internal(format!("python function \"{}\": {e}", self.name))),
            None => batch
                .columns()
                .first()
                .cloned()
                .ok_or_else(|| EvalError::Internal("a Python function returned no column".into())),
        }
    }
}

/// A table function's answer (the input row of each result row, then the result columns)
/// as one list of result rows per input row: the shape `UNNEST` takes apart.
fn rows_as_lists(batch: &RecordBatch, rows: usize, list_type: &ArrowType) -> Result<ArrayRef, String> {
    let ArrowType::List(item) = list_type else { return Err(format!("{list_type} is not a list type")) };
    let ArrowType::Struct(fields) = item.data_type() else { return Err(format!("{item:?} is not a struct")) };
    let index = batch
        .column(0)
        .as_any()
        .downcast_ref::<UInt32Array>()
        .ok_or("the row index is not UINT32")?;
    let mut counts = vec![0usize; rows];
    let mut last = 0u32;
    for i in index.values().iter() {
        if *i < last || *i as usize >= rows {
            return Err(format!("row index {i} out of order or range"));
        }
        last = *i;
        counts[*i as usize] += 1;
    }
    let columns: Vec<ArrayRef> = batch.columns()[1..].to_vec();
    let values = StructArray::try_new(fields.clone(), columns, None).map_err(|e| e.to_string())?;
    let list = ListArray::try_new(item.clone(), OffsetBuffer::from_lengths(counts), Arc::new(values), None)
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(list))
}

impl std::fmt::Debug for PythonFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PythonFunction({} AS '{}')", self.name, self.target)
    }
}
