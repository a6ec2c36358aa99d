//! The newest executions of many jobs at once (the jobs page's strip of
//! recent runs): one query for all the jobs listed, never one per job.
//! Each backend writes it in its own dialect (SQLite walks a JSON array of
//! ids, PostgreSQL `unnest`s an array); both read each job's rows through
//! the executions' `(job_id, id)` index, newest first, and stop at the
//! number asked for.

use super::rows::EXECUTION_COLUMNS;

/// [`EXECUTION_COLUMNS`] qualified by a table alias (`e.id, e.job_id, ...`),
/// for a query whose other tables have columns of the same names.
pub fn qualified_columns(alias: &str) -> String {
    EXECUTION_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQLite: `?1` the job ids as a JSON array, `?2` how many of each job's
/// newest to skip to find the oldest one wanted (`per_job - 1`). Each
/// job's rows are an index range from that id up.
pub fn sqlite_sql() -> String {
    format!(
        "SELECT {} FROM json_each(?1) AS j
         JOIN executions e ON e.job_id = j.value AND e.id >= coalesce(
             (SELECT x.id FROM executions x WHERE x.job_id = j.value
              ORDER BY x.id DESC LIMIT 1 OFFSET ?2), 0)
         ORDER BY e.id DESC",
        qualified_columns("e")
    )
}

/// PostgreSQL: `$1` the job ids (`text[]`), `$2` how many of each.
pub fn postgres_sql() -> String {
    format!(
        "SELECT {} FROM unnest($1::text[]) AS j(id)
         CROSS JOIN LATERAL (SELECT {EXECUTION_COLUMNS} FROM executions
                             WHERE job_id = j.id ORDER BY id DESC LIMIT $2) e
         ORDER BY e.id DESC",
        qualified_columns("e")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_column_is_qualified() {
        let q = super::qualified_columns("e");
        assert!(q.starts_with("e.id, e.job_id, "), "{q}");
        assert!(q.ends_with("e.system_cpu_us"), "{q}");
        assert!(!q.contains("\n"));
    }
}
