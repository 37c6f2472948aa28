//! Where checkpoints and savepoints are kept, through the `object_store` crate: a local
//! folder (a path or a `file://` URL), or a bucket of an object store by URL:
//!
//! - `s3://bucket/path` (also Flink's `s3a://` and `s3p://`): Amazon S3 or any
//!   S3-compatible server. Credentials and endpoint come from the session's Flink keys
//!   (`s3.access-key`, `s3.secret-key`, `s3.endpoint`, `s3.path.style.access`,
//!   `s3.region`, or their Hadoop spellings `fs.s3a.access.key`, ...), else from the
//!   standard AWS environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!   `AWS_ENDPOINT_URL`, `AWS_REGION`, ...).
//! - `gs://bucket/path`: Google Cloud Storage, credentials from the environment
//!   (`GOOGLE_APPLICATION_CREDENTIALS`, `GOOGLE_SERVICE_ACCOUNT`).
//! - `az://container/path` (also `abfs://`, `abfss://`): Azure Blob Storage, the account
//!   from `AZURE_STORAGE_ACCOUNT_NAME` and `AZURE_STORAGE_ACCOUNT_KEY`, or Hadoop's
//!   `fs.azure.account.key.ACCOUNT.blob.core.windows.net` key.
//!
//! The engine is synchronous; `object_store` is async. Every call blocks the job's
//! thread on one process-wide tokio runtime of one worker thread (built on first use),
//! which also drives the HTTP client's connections. Nothing else in the runtime uses
//! tokio.
//!
//! An object store has no rename and no folders, so `CheckpointStore` makes a
//! checkpoint whole by writing its `_metadata` object last: each object is written at
//! once (a local file goes to a temporary name, is synced and renamed), and a checkpoint
//! without `_metadata` is a leftover, never read.

use std::fmt;
use std::sync::{Arc, OnceLock};

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// The session's storage keys (`s3.*`, `fs.s3a.*`, `fs.azure.*`, `gs.*`), as set. Its
/// `Debug` shows the keys only: values include secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StorageOptions(pub Vec<(String, String)>);

impl StorageOptions {
    /// Whether `key` is one of the keys a storage reads (so the session passes it on).
    pub fn is_storage_key(key: &str) -> bool {
        ["s3.", "fs.s3a.", "fs.azure.", "gs.", "fs.gs."].iter().any(|p| key.starts_with(p))
    }

    fn get(&self, keys: &[&str]) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| keys.contains(&k.as_str())).map(|(_, v)| v.trim())
    }
}

impl fmt::Debug for StorageOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(k, _)| format!("{k} = ***"))).finish()
    }
}

/// A folder in a local file system or an object store: objects are named by keys
/// relative to it (`chk-3/_metadata`).
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    base: ObjectPath,
    /// The folder as a user names it (a path or a URL), for messages.
    shown: String,
    /// Whether `shown` is a local path.
    local: bool,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// The runtime every storage call blocks on (see the module doc).
fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("sluice-storage")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the thread that talks to checkpoint storage: {e}"))
        })
        .as_ref()
        .map_err(|e| e.clone())
}

/// The URL schemes `Storage::open` takes, for the planner's check of a setting.
pub const SCHEMES: [&str; 8] = ["file", "s3", "s3a", "s3p", "gs", "az", "abfs", "abfss"];

/// Whether a key's value is true as Flink reads booleans.
fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

impl Storage {
    /// Opens the folder `location`: a local path, a `file://` URL, or an object store URL
    /// (see the module doc), with the session's storage keys. A local folder is created.
    pub fn open(location: &str, options: &StorageOptions) -> Result<Storage, String> {
        let location = location.trim();
        let Some((scheme, rest)) = location.split_once("://") else { return Storage::local(location) };
        let scheme = scheme.to_ascii_lowercase();
        if scheme == "file" {
            return Storage::local(rest);
        }
        let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("\"{location}\" names no bucket: write {scheme}://BUCKET/PATH"));
        }
        let fail = |e: object_store::Error| format!("cannot use \"{location}\": {e}");
        let store: Arc<dyn ObjectStore> = match scheme.as_str() {
            "s3" | "s3a" | "s3p" => Arc::new(s3_builder(bucket, options).build().map_err(fail)?),
            "gs" => Arc::new(GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket).build().map_err(fail)?),
            "az" | "abfs" | "abfss" => {
                let mut builder = MicrosoftAzureBuilder::from_env().with_url(format!("{scheme}://{bucket}"));
                if scheme == "az" {
                    builder = builder.with_container_name(bucket);
                }
                for (key, value) in &options.0 {
                    let account = key.strip_prefix("fs.azure.account.key.").and_then(|a| a.split('.').next());
                    if let Some(account) = account {
                        builder = builder.with_account(account).with_access_key(value.trim());
                    }
                }
                Arc::new(builder.build().map_err(fail)?)
            }
            other => {
                return Err(format!(
                    "checkpoint storage \"{other}://\" is not supported: use a local folder, file://, s3://, gs:// or az://"
                ))
            }
        };
        let shown = format!("{scheme}://{bucket}/{}", path.trim_matches('/'));
        Ok(Storage { store, base: ObjectPath::from(path), shown: shown.trim_end_matches('/').to_string(), local: false })
    }

    fn local(path: &str) -> Result<Storage, String> {
        if path.trim().is_empty() {
            return Err("the checkpoint folder is empty".into());
        }
        std::fs::create_dir_all(path).map_err(|e| format!("cannot create the folder {path}: {e}"))?;
        let store = LocalFileSystem::new_with_prefix(path)
            .map_err(|e| format!("cannot use the folder {path}: {e}"))?
            .with_fsync(true)
            .with_automatic_cleanup(true);
        Ok(Storage { store: Arc::new(store), base: ObjectPath::default(), shown: path.trim_end_matches('/').to_string(), local: true })
    }

    /// The folder `name` inside this one.
    pub fn child(&self, name: &str) -> Storage {
        Storage {
            store: self.store.clone(),
            base: self.base.clone().join(name),
            shown: format!("{}/{name}", self.shown),
            local: self.local,
        }
    }

    /// Where this folder is, as a user would write it (a local path or a URL).
    pub fn location(&self) -> &str {
        &self.shown
    }

    /// Whether the folder is on the local file system.
    pub fn is_local(&self) -> bool {
        self.local
    }

    fn path(&self, key: &str) -> ObjectPath {
        key.split('/').filter(|p| !p.is_empty()).fold(self.base.clone(), |path, part| path.join(part))
    }

    fn block<T>(&self, what: &str, key: &str, call: impl std::future::Future<Output = object_store::Result<T>>) -> Result<T, String> {
        runtime()?.block_on(call).map_err(|e| format!("cannot {what} {}/{key}: {e}", self.shown))
    }

    /// Writes object `key` whole: a reader sees all of `bytes` or no object.
    pub fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        let path = self.path(key);
        self.block("write", key, self.store.put(&path, PutPayload::from(bytes))).map(|_| ())
    }

    /// Reads object `key`; `None` if there is none.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let path = self.path(key);
        let store = self.store.clone();
        let read = async move {
            match store.get(&path).await {
                Ok(got) => got.bytes().await.map(|b| Some(b.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        };
        self.block("read", key, read)
    }

    /// The keys of every object in this folder (at any depth), relative to it.
    pub fn list(&self) -> Result<Vec<String>, String> {
        let store = self.store.clone();
        let base = self.base.clone();
        let list = async move {
            let mut keys = Vec::new();
            let mut stream = store.list(Some(&base));
            while let Some(item) = stream.next().await {
                match item {
                    Ok(meta) => {
                        if let Some(parts) = meta.location.prefix_match(&base) {
                            keys.push(parts.map(|p| p.as_ref().to_string()).collect::<Vec<_>>().join("/"));
                        }
                    }
                    Err(object_store::Error::NotFound { .. }) => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(keys)
        };
        self.block("list", "", list)
    }

    /// Deletes object `key` (nothing if there is none).
    pub fn delete(&self, key: &str) -> Result<(), String> {
        let path = self.path(key);
        let store = self.store.clone();
        let delete = async move {
            match store.delete(&path).await {
                Err(object_store::Error::NotFound { .. }) => Ok(()),
                other => other,
            }
        };
        // (A local folder emptied by this is removed too: `with_automatic_cleanup`.)
        self.block("delete", key, delete)
    }
}

/// An S3 client for `bucket`: the environment's AWS settings, then the session's keys.
fn s3_builder(bucket: &str, options: &StorageOptions) -> AmazonS3Builder {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if let Some(key) = options.get(&["s3.access-key", "s3.access.key", "fs.s3a.access.key"]) {
        builder = builder.with_access_key_id(key);
    }
    if let Some(secret) = options.get(&["s3.secret-key", "s3.secret.key", "fs.s3a.secret.key"]) {
        builder = builder.with_secret_access_key(secret);
    }
    if let Some(token) = options.get(&["s3.session-token", "fs.s3a.session.token"]) {
        builder = builder.with_token(token);
    }
    if let Some(region) = options.get(&["s3.region", "fs.s3a.endpoint.region"]) {
        builder = builder.with_region(region);
    }
    if let Some(endpoint) = options.get(&["s3.endpoint", "fs.s3a.endpoint"]) {
        let endpoint = if endpoint.contains("://") { endpoint.to_string() } else { format!("https://{endpoint}") };
        builder = builder.with_allow_http(endpoint.starts_with("http://")).with_endpoint(endpoint);
    }
    if let Some(path_style) = options.get(&["s3.path.style.access", "fs.s3a.path.style.access"]) {
        builder = builder.with_virtual_hosted_style_request(!is_true(path_style));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_folders_put_get_list_and_delete() {
        let root = std::env::temp_dir().join(format!("sluice-storage-test-{}", std::process::id()));
        let storage = Storage::open(&format!("file://{}", root.display()), &StorageOptions::default()).unwrap();
        let job = storage.child("job");
        assert_eq!(job.get("chk-1/_metadata").unwrap(), None);
        assert!(job.list().unwrap().is_empty());
        job.put("chk-1/node-0.state", b"abc".to_vec()).unwrap();
        job.put("chk-1/_metadata", b"m".to_vec()).unwrap();
        assert_eq!(job.get("chk-1/node-0.state").unwrap(), Some(b"abc".to_vec()));
        let mut keys = job.list().unwrap();
        keys.sort();
        assert_eq!(keys, vec!["chk-1/_metadata", "chk-1/node-0.state"]);
        assert!(root.join("job/chk-1/_metadata").exists());
        job.delete("chk-1/_metadata").unwrap();
        job.delete("chk-1/node-0.state").unwrap();
        job.delete("chk-1/missing").unwrap();
        assert!(job.list().unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn urls_name_their_store_and_options_hide_their_values() {
        let mut options = StorageOptions(vec![("s3.secret-key".into(), "hunter2".into()), ("s3.endpoint".into(), "http://127.0.0.1:1".into())]);
        assert!(!format!("{options:?}").contains("hunter2"));
        // A secret without its key id is refused, without showing the secret.
        let refused = Storage::open("s3://bucket/a/b/", &options).unwrap_err();
        assert!(refused.contains("AccessKeyId") && !refused.contains("hunter2"), "{refused}");
        options.0.push(("s3.access-key".into(), "id".into()));
        let s3 = Storage::open("s3://bucket/a/b/", &options).unwrap();
        assert_eq!(s3.child("job").location(), "s3://bucket/a/b/job");
        assert!(Storage::open("s3:///path", &options).unwrap_err().contains("names no bucket"));
        assert!(Storage::open("hdfs://nn/path", &options).unwrap_err().contains("not supported"));
    }
}
