//! Flink's "tableau" result layout: a boxed table with right-aligned cells.

use sluice_planner::TableResult;

fn width(s: &str) -> usize {
    s.chars().count()
}

fn border(widths: &[usize]) -> String {
    let mut s = String::from("+");
    for w in widths {
        s.push_str(&"-".repeat(w + 2));
        s.push('+');
    }
    s.push('\n');
    s
}

pub fn row_line(cells: &[String], widths: &[usize]) -> String {
    let mut s = String::from("|");
    for (cell, w) in cells.iter().zip(widths) {
        s.push(' ');
        s.push_str(&" ".repeat(w.saturating_sub(width(cell))));
        s.push_str(cell);
        s.push_str(" |");
    }
    s.push('\n');
    s
}

/// A whole table, as `SHOW TABLES` and `DESCRIBE` print it.
pub fn render_table(t: &TableResult) -> String {
    if t.rows.is_empty() {
        return "Empty set\n".to_string();
    }
    let mut widths: Vec<usize> = t.columns.iter().map(|c| width(c)).collect();
    for row in &t.rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = border(&widths);
    out.push_str(&row_line(&t.columns, &widths));
    out.push_str(&border(&widths));
    for row in &t.rows {
        out.push_str(&row_line(row, &widths));
    }
    out.push_str(&border(&widths));
    out.push_str(&format!("{} row{} in set\n", t.rows.len(), if t.rows.len() == 1 { "" } else { "s" }));
    out
}

pub fn header(columns: &[String], widths: &[usize]) -> String {
    let mut out = border(widths);
    out.push_str(&row_line(columns, widths));
    out.push_str(&border(widths));
    out
}

pub fn footer(widths: &[usize]) -> String {
    border(widths)
}
