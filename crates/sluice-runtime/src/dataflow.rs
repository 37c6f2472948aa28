use sluice_connector_api::{SinkWriter, SourceReader};

use crate::Operator;

pub type NodeId = usize;

/// One node of the dataflow graph.
pub struct Node {
    /// What plans and reports call this node, e.g. `Source: iot_in` or `Calc`.
    pub name: String,
    pub kind: NodeKind,
    /// Upstream nodes; the position in this list is the input index the operator sees.
    pub inputs: Vec<NodeId>,
    /// For a source: after this long without data it is idle, and its watermark stops
    /// holding back the operators downstream until it produces rows again
    /// (`table.exec.source.idle-timeout`, `scan.watermark.idle-timeout`).
    pub idle_timeout: Option<std::time::Duration>,
}

pub enum NodeKind {
    Source(Box<dyn SourceReader>),
    Operator(Box<dyn Operator>),
    Sink(Box<dyn SinkWriter>),
}

/// A job's graph of sources, operators and sinks. Nodes are added upstream first, so a
/// node's inputs always have smaller ids.
#[derive(Default)]
pub struct Dataflow {
    pub nodes: Vec<Node>,
}

impl Dataflow {
    pub fn add(&mut self, name: impl Into<String>, kind: NodeKind, inputs: Vec<NodeId>) -> NodeId {
        debug_assert!(inputs.iter().all(|i| *i < self.nodes.len()));
        self.nodes.push(Node { name: name.into(), kind, inputs, idle_timeout: None });
        self.nodes.len() - 1
    }

    /// Sources added so far.
    pub fn source_count(&self) -> usize {
        self.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Source(_))).count()
    }

    pub fn add_source(&mut self, name: impl Into<String>, reader: Box<dyn SourceReader>) -> NodeId {
        self.add(name, NodeKind::Source(reader), Vec::new())
    }

    /// Marks a source idle after `timeout` without data (see `Node::idle_timeout`).
    pub fn set_idle_timeout(&mut self, source: NodeId, timeout: std::time::Duration) {
        self.nodes[source].idle_timeout = Some(timeout);
    }

    pub fn add_operator(&mut self, op: Box<dyn Operator>, inputs: Vec<NodeId>) -> NodeId {
        let name = op.name().to_string();
        self.add(name, NodeKind::Operator(op), inputs)
    }

    pub fn add_sink(&mut self, name: impl Into<String>, writer: Box<dyn SinkWriter>, input: NodeId) -> NodeId {
        self.add(name, NodeKind::Sink(writer), vec![input])
    }
}
