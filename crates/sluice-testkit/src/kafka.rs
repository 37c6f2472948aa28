//! A real Apache Kafka broker for tests and benchmarks: a single-node KRaft cluster (one
//! JVM that is both broker and controller) on free loopback ports.
//!
//! The broker's jars come from Maven Central (`org.apache.kafka:kafka_2.13` and its runtime
//! dependencies); `scripts/services.sh` copies them once into
//! `~/.cache/sluice-tools/kafka-<version>/libs` and exports `SLUICE_KAFKA_LIBS`. Java 17 is
//! found through `SLUICE_JAVA`, then `JAVA_HOME`, then `PATH`.
//!
//! Starting one takes two JVM launches: `kafka.tools.StorageTool format` writes the
//! metadata folder (once per test process: later brokers copy that folder), then
//! `kafka.Kafka` runs the server. A broker is ready when it answers a metadata request
//! listing itself, which takes 3-5 s on this project's 2-core machines.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;

use crate::process::{free_port, spawn_tied, tool_path};
use crate::tls::Certificates;

/// How long a broker may take to start, or a topic to get its leaders, before the test
/// fails with the broker's log (not a timing assertion: a healthy start takes seconds).
const PATIENCE: Duration = Duration::from_secs(120);

/// A running Apache Kafka broker on a free loopback port, killed on drop. Topics are not
/// created on first use (`auto.create.topics.enable=false`, as on managed clusters):
/// create them with `create_topic`, or let the code under test create them.
pub struct KafkaBroker {
    child: Child,
    port: u16,
    controller_port: u16,
    /// The secured listeners of a broker started with `start_secure`.
    secure: Option<SecurePorts>,
    dir: PathBuf,
    tuning: Tuning,
}

/// The ports of `start_secure`'s listeners: SASL_PLAINTEXT, then SSL and SASL_SSL.
struct SecurePorts {
    sasl: u16,
    tls: Option<(u16, u16)>,
}

/// How the broker's JVM is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tuning {
    /// Quick to start (the C1 compiler only, serial GC, a small heap): for tests.
    FastStart,
    /// The JVM's defaults with a 2 GiB heap: for benchmarks, where the broker's own
    /// throughput is part of what is measured.
    Throughput,
}

impl KafkaBroker {
    /// Starts a broker tuned for tests and waits until it is ready.
    pub fn start() -> KafkaBroker {
        KafkaBroker::start_with(Tuning::FastStart)
    }

    /// Starts a broker with the given JVM tuning and waits until it is ready.
    pub fn start_with(tuning: Tuning) -> KafkaBroker {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let port = free_port();
        let controller_port = free_port();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sluice-kafka-{}-{n}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        write_config(&dir, port, controller_port);
        format_storage(&dir);
        let child = spawn(&dir, tuning);
        let mut broker = KafkaBroker { child, port, controller_port, secure: None, dir, tuning };
        broker.wait_ready();
        broker
    }

    /// Starts a broker with secured listeners beside the PLAINTEXT one (`bootstrap`, for
    /// the test's own setup), as a managed cluster has them:
    /// - `sasl_bootstrap`: SASL_PLAINTEXT, where `username`/`password` log in with
    ///   SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN;
    /// - with `tls`, `ssl_bootstrap`: SSL that requires a client certificate signed by the
    ///   CA (Aiven's default), and `sasl_ssl_bootstrap`: SASL_SSL with the same logins.
    pub fn start_secure(username: &str, password: &str, tls: Option<&Certificates>) -> KafkaBroker {
        let (port, controller_port) = (free_port(), free_port());
        let sasl_port = free_port();
        let tls_ports = tls.map(|_| (free_port(), free_port()));
        let dir = std::env::temp_dir().join(format!("sluice-kafka-secure-{}-{sasl_port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        write_config(&dir, port, controller_port);
        let mut listeners = vec![format!("SASL_PLAINTEXT://127.0.0.1:{sasl_port}")];
        let mut map = vec!["SASL_PLAINTEXT:SASL_PLAINTEXT"];
        let mut sasl_listeners = vec!["sasl_plaintext"];
        let mut extra = String::new();
        if let (Some(certs), Some((ssl_port, sasl_ssl_port))) = (tls, tls_ports) {
            listeners.push(format!("SSL://127.0.0.1:{ssl_port}"));
            listeners.push(format!("SASL_SSL://127.0.0.1:{sasl_ssl_port}"));
            map.extend(["SSL:SSL", "SASL_SSL:SASL_SSL"]);
            sasl_listeners.push("sasl_ssl");
            extra += &format!(
                "ssl.keystore.type=PEM\n\
                 ssl.keystore.location={}\n\
                 ssl.truststore.type=PEM\n\
                 ssl.truststore.location={}\n\
                 listener.name.ssl.ssl.client.auth=required\n\
                 listener.name.sasl_ssl.ssl.client.auth=none\n",
                certs.file("server-keystore.pem"),
                certs.file("ca.pem")
            );
        }
        let listeners = listeners.join(",");
        extra += &format!(
            "listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port},{listeners}\n\
             advertised.listeners=PLAINTEXT://127.0.0.1:{port},{listeners}\n\
             listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,{}\n\
             sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN\n",
            map.join(",")
        );
        for listener in sasl_listeners {
            extra += &format!(
                "listener.name.{listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n\
                 listener.name.{listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n\
                 listener.name.{listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_{username}=\"{password}\";\n"
            );
        }
        let config = dir.join("server.properties");
        // Later lines win in a properties file, so these replace the plain listeners.
        let text = std::fs::read_to_string(&config).expect("the broker's configuration") + &extra;
        std::fs::write(&config, text).expect("write the broker's configuration");
        let output = java_command(&dir, Tuning::FastStart)
            .args(["kafka.tools.StorageTool", "format", "-t", CLUSTER_ID, "-c"])
            .arg(&config)
            .arg("--add-scram")
            .arg(format!("SCRAM-SHA-256=[name={username},password={password}]"))
            .arg("--add-scram")
            .arg(format!("SCRAM-SHA-512=[name={username},password={password}]"))
            .output()
            .expect("run Kafka's StorageTool");
        assert!(
            output.status.success(),
            "formatting the Kafka storage failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let child = spawn(&dir, Tuning::FastStart);
        let secure = Some(SecurePorts { sasl: sasl_port, tls: tls_ports });
        let mut broker = KafkaBroker { child, port, controller_port, secure, dir, tuning: Tuning::FastStart };
        broker.wait_ready();
        broker
    }

    /// `127.0.0.1:PORT` of the SASL_PLAINTEXT listener of `start_secure`.
    pub fn sasl_bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.secure_ports().sasl)
    }

    /// `127.0.0.1:PORT` of the SSL listener (client certificates required) of
    /// `start_secure` with certificates.
    pub fn ssl_bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.tls_ports().0)
    }

    /// `127.0.0.1:PORT` of the SASL_SSL listener of `start_secure` with certificates.
    pub fn sasl_ssl_bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.tls_ports().1)
    }

    fn secure_ports(&self) -> &SecurePorts {
        self.secure.as_ref().expect("a broker started with start_secure")
    }

    fn tls_ports(&self) -> (u16, u16) {
        self.secure_ports().tls.expect("a broker started with start_secure and certificates")
    }

    /// `127.0.0.1:PORT`, for `properties.bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The broker's process id (its JVM), for reading its CPU time.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Creates `topic` with `partitions` partitions and waits until every partition has
    /// a leader, so that producers and consumers can use it at once.
    pub fn create_topic(&self, topic: &str, partitions: u32) {
        let admin: AdminClient<DefaultClientContext> =
            self.client_config().create().expect("create a Kafka admin client");
        let new = NewTopic::new(topic, partitions as i32, TopicReplication::Fixed(1));
        let options = AdminOptions::new().operation_timeout(Some(PATIENCE)).request_timeout(Some(PATIENCE));
        let results = wait_for(admin.create_topics([&new], &options))
            .unwrap_or_else(|e| panic!("creating topic {topic} failed: {e}\n{}", self.log_text()));
        for result in results {
            if let Err((name, code)) = result {
                assert!(code == RDKafkaErrorCode::TopicAlreadyExists, "creating topic {name} failed: {code}");
            }
        }
        self.wait_for_leaders(topic, partitions as usize);
    }

    /// Deletes `topic` and waits until the broker no longer lists it.
    pub fn delete_topic(&self, topic: &str) {
        let admin: AdminClient<DefaultClientContext> =
            self.client_config().create().expect("create a Kafka admin client");
        let options = AdminOptions::new().operation_timeout(Some(PATIENCE)).request_timeout(Some(PATIENCE));
        let results = wait_for(admin.delete_topics(&[topic], &options))
            .unwrap_or_else(|e| panic!("deleting topic {topic} failed: {e}"));
        for result in results {
            if let Err((name, code)) = result {
                panic!("deleting topic {name} failed: {code}");
            }
        }
        let consumer = self.metadata_client();
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            let listed = consumer
                .fetch_metadata(None, Duration::from_secs(5))
                .map(|m| m.topics().iter().any(|t| t.name() == topic))
                .unwrap_or(true);
            if !listed {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("topic {topic} was still listed {} s after its deletion", PATIENCE.as_secs());
    }

    /// What the broker has logged so far (warnings and errors), for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.join("broker.log")).unwrap_or_default()
    }

    /// Kills the broker, as a crash would, and starts it again on the same ports with
    /// the same data: committed messages and offsets survive, as on a real cluster.
    pub fn restart(&mut self) {
        self.stop();
        self.resume();
    }

    /// Kills the broker with SIGKILL, as a crash would; `resume` starts it again.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the broker again after `stop`, on the same ports and with its data.
    pub fn resume(&mut self) {
        self.child = spawn(&self.dir, self.tuning);
        self.wait_ready();
    }

    /// Starts the broker again after `stop` with its storage lost (a machine replaced,
    /// an ephemeral disk): every topic, message and committed offset is gone.
    pub fn resume_empty(&mut self) {
        let data = self.dir.join("data");
        let _ = std::fs::remove_dir_all(&data);
        write_config(&self.dir, self.port, self.controller_port);
        format_storage(&self.dir);
        self.resume();
    }

    fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", self.bootstrap()).set("log_level", "3");
        config
    }

    fn metadata_client(&self) -> BaseConsumer {
        self.client_config().create().expect("create a Kafka metadata client")
    }

    /// Waits until the broker answers a metadata request that lists itself.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        let mut client: Option<BaseConsumer> = None;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the Kafka broker exited with {status} before it was ready:\n{}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "the Kafka broker was not ready within {} s:\n{}",
                PATIENCE.as_secs(),
                self.log_text()
            );
            // Until the port is open, a client would only log refused connections.
            if client.is_none() && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                client = Some(self.metadata_client());
            }
            if let Some(client) = &client {
                if let Ok(metadata) = client.fetch_metadata(None, Duration::from_millis(500)) {
                    if metadata.brokers().iter().any(|b| b.port() as u16 == self.port) {
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_leaders(&self, topic: &str, partitions: usize) {
        let consumer = self.metadata_client();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(metadata) = consumer.fetch_metadata(Some(topic), Duration::from_secs(5)) {
                let ready = metadata.topics().iter().any(|t| {
                    t.name() == topic
                        && t.error().is_none()
                        && t.partitions().len() == partitions
                        && t.partitions().iter().all(|p| p.leader() >= 0 && p.error().is_none())
                });
                if ready {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "topic {topic} got no leaders:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for KafkaBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The folder of the broker's jars: `SLUICE_KAFKA_LIBS`, else the cache that
/// `scripts/services.sh` fills.
pub fn kafka_libs() -> PathBuf {
    if let Some(dir) = std::env::var_os("SLUICE_KAFKA_LIBS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let cache = home.join(".cache/sluice-tools");
    // The newest cached version, so a version bump in scripts/services.sh needs no edit here.
    let mut found: Vec<PathBuf> = std::fs::read_dir(&cache)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("kafka-")))
        .map(|p| p.join("libs"))
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| cache.join("kafka-missing/libs"))
}

fn java() -> PathBuf {
    if let Some(java) = std::env::var_os("SLUICE_JAVA") {
        return PathBuf::from(java);
    }
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let java = PathBuf::from(home).join("bin/java");
        if java.is_file() {
            return java;
        }
    }
    tool_path("java", "SLUICE_JAVA").unwrap_or_else(|| {
        panic!("the Kafka tests need Java 17 (Debian: openjdk-17-jre-headless); set JAVA_HOME or SLUICE_JAVA")
    })
}

/// `java` with the broker's class path, its log configuration and the JVM options of
/// `tuning`.
fn java_command(dir: &Path, tuning: Tuning) -> Command {
    let libs = kafka_libs();
    if !libs.join(format!("kafka_2.13-{}.jar", kafka_version(&libs).unwrap_or_default())).is_file() {
        panic!(
            "the Kafka tests need the Apache Kafka broker jars in {}: run scripts/services.sh, which copies \
             them from Maven Central, or set SLUICE_KAFKA_LIBS to a folder holding kafka_2.13-*.jar and its \
             dependencies",
            libs.display()
        );
    }
    let mut command = Command::new(java());
    command.arg("-cp").arg(format!("{}/*", libs.display()));
    command.arg(format!("-Dlog4j2.configurationFile={}", dir.join("log4j2.properties").display()));
    command.args(["-Djava.awt.headless=true", "-XX:-UsePerfData"]);
    match tuning {
        Tuning::FastStart => command.args(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms64m", "-Xmx768m"]),
        Tuning::Throughput => command.args(["-XX:+UseG1GC", "-Xms1g", "-Xmx2g"]),
    };
    command
}

/// The version in the name of the `kafka_2.13-<version>.jar` in `libs`.
fn kafka_version(libs: &Path) -> Option<String> {
    std::fs::read_dir(libs).ok()?.flatten().find_map(|e| {
        let name = e.file_name().into_string().ok()?;
        let version = name.strip_prefix("kafka_2.13-")?.strip_suffix(".jar")?;
        (!version.contains('-')).then(|| version.to_string())
    })
}

fn write_config(dir: &Path, port: u16, controller_port: u16) {
    let data = dir.join("data");
    let properties = format!(
        "process.roles=broker,controller\n\
         node.id=1\n\
         controller.quorum.voters=1@127.0.0.1:{controller_port}\n\
         listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}\n\
         advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
         controller.listener.names=CONTROLLER\n\
         inter.broker.listener.name=PLAINTEXT\n\
         listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
         log.dirs={}\n\
         num.partitions=1\n\
         auto.create.topics.enable=false\n\
         offsets.topic.replication.factor=1\n\
         offsets.topic.num.partitions=1\n\
         transaction.state.log.replication.factor=1\n\
         transaction.state.log.min.isr=1\n\
         transaction.state.log.num.partitions=1\n\
         share.coordinator.state.topic.replication.factor=1\n\
         share.coordinator.state.topic.min.isr=1\n\
         group.initial.rebalance.delay.ms=0\n\
         delete.topic.enable=true\n",
        data.display()
    );
    let log4j = "status = error\n\
                 appender.out.type = Console\n\
                 appender.out.name = out\n\
                 appender.out.layout.type = PatternLayout\n\
                 appender.out.layout.pattern = [%d] %p %m (%c)%n\n\
                 rootLogger.level = warn\n\
                 rootLogger.appenderRef.out.ref = out\n";
    for (name, text) in [("server.properties", properties.as_str()), ("log4j2.properties", log4j)] {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    }
}

/// Formats the broker's storage. The first broker of a test process runs `StorageTool
/// format` into a template folder; every broker then copies that folder (all of them
/// may share a cluster id and node id: they never meet).
fn format_storage(dir: &Path) {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        remove_stale_templates();
        let template = std::env::temp_dir().join(format!("sluice-kafka-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&template);
        std::fs::create_dir_all(&template).expect("create the Kafka storage template folder");
        write_config(&template, free_port(), free_port());
        let output = java_command(&template, Tuning::FastStart)
            .args(["kafka.tools.StorageTool", "format", "--ignore-formatted", "-t", CLUSTER_ID, "-c"])
            .arg(template.join("server.properties"))
            .output()
            .expect("run Kafka's StorageTool");
        assert!(
            output.status.success(),
            "formatting the Kafka storage failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        template.join("data")
    });
    copy_dir(template, &dir.join("data"));
}

/// Removes the storage templates of test processes that are gone (a static has no
/// destructor, so each process leaves its template behind).
fn remove_stale_templates() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("sluice-kafka-template-")) else { continue };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The cluster id every test broker has (22 characters of URL-safe base64, as
/// `kafka-storage random-uuid` prints).
const CLUSTER_ID: &str = "c2x1aWNlLXRlc3QtYnJva2";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot read {}: {e}", from.display())) {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("cannot copy {}: {e}", target.display()));
        }
    }
}

/// Starts `kafka.Kafka` on the folder's `server.properties`, its output going to
/// `broker.log`. The process is killed if the test process dies (see `spawn_tied`).
fn spawn(dir: &Path, tuning: Tuning) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("broker.log"))
        .expect("open the broker's log");
    let mut command = java_command(dir, tuning);
    command
        .arg("kafka.Kafka")
        .arg(dir.join("server.properties"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone the log file handle"))
        .stderr(log);
    spawn_tied(command).unwrap_or_else(|e| panic!("cannot start the Kafka broker: {e}"))
}

/// Drives an rdkafka admin future to its end. librdkafka completes it from its own
/// thread, so polling with a no-op waker and a short sleep is enough.
fn wait_for<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
