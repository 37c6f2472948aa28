//! An OpenSearch-compatible server for tests (`osmem-server` from PyPI). Being written.
