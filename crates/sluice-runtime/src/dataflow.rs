use sluice_connector_api::{SinkWriter, SourceReader};

use crate::exchange::Distribution;
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
    /// For a sink in a parallel job: which instance its rows must reach (one writer, or
    /// by the table's primary key); `None` chains it to its input. An operator says this
    /// itself (`Operator::input_distribution`).
    pub distribution: Option<Distribution>,
    /// For a source in a parallel job: it is read by one instance (it cannot be split).
    pub single_instance: bool,
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
        self.nodes.push(Node { name: name.into(), kind, inputs, idle_timeout: None, distribution: None, single_instance: false });
        self.nodes.len() - 1
    }

    /// Sources added so far.
    pub fn source_count(&self) -> usize {
        self.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Source(_))).count()
    }

    pub fn sink_count(&self) -> usize {
        self.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Sink(_))).count()
    }

    pub fn add_source(&mut self, name: impl Into<String>, reader: Box<dyn SourceReader>) -> NodeId {
        self.add(name, NodeKind::Source(reader), Vec::new())
    }

    /// Marks a source idle after `timeout` without data (see `Node::idle_timeout`).
    pub fn set_idle_timeout(&mut self, source: NodeId, timeout: std::time::Duration) {
        self.nodes[source].idle_timeout = Some(timeout);
    }

    /// Says which instance of sink `id` its rows must reach in a parallel job.
    pub fn set_distribution(&mut self, id: NodeId, distribution: Distribution) {
        self.nodes[id].distribution = Some(distribution);
    }

    /// Says that source `id` is read by one instance in a parallel job.
    pub fn set_single_instance(&mut self, id: NodeId) {
        self.nodes[id].single_instance = true;
    }

    /// How many instances of each node do work when the dataflow runs as `parallelism`
    /// subtasks: a source that cannot be split and a node behind a gathering exchange
    /// have one, a chained node as many as its inputs.
    pub fn instances(&self, parallelism: usize) -> Vec<usize> {
        let mut instances: Vec<usize> = Vec::with_capacity(self.nodes.len());
        for (id, node) in self.nodes.iter().enumerate() {
            let n = if node.inputs.is_empty() {
                if node.single_instance { 1 } else { parallelism }
            } else {
                (0..node.inputs.len())
                    .map(|input| match self.input_distribution(id, input) {
                        Distribution::Forward => instances[node.inputs[input]],
                        Distribution::Hash(_) => parallelism,
                        Distribution::Single => 1,
                    })
                    .max()
                    .unwrap_or(1)
            };
            instances.push(n);
        }
        instances
    }

    /// Which instance the rows of `input` of node `id` must reach in a parallel job.
    pub fn input_distribution(&self, id: NodeId, input: usize) -> Distribution {
        let node = &self.nodes[id];
        match (&node.kind, &node.distribution) {
            (NodeKind::Operator(op), _) => op.input_distribution(input),
            (_, Some(d)) => d.clone(),
            _ => Distribution::Forward,
        }
    }

    pub fn add_operator(&mut self, op: Box<dyn Operator>, inputs: Vec<NodeId>) -> NodeId {
        let name = op.name().to_string();
        self.add(name, NodeKind::Operator(op), inputs)
    }

    pub fn add_sink(&mut self, name: impl Into<String>, writer: Box<dyn SinkWriter>, input: NodeId) -> NodeId {
        self.add(name, NodeKind::Sink(writer), vec![input])
    }
}
