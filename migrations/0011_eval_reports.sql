-- `rec eval` reports, so that the web console (/console, docs/console.md) shows the latest: the report
-- document as `rec eval --json` writes it (rows of strict and all-case metrics, and curves over k), the
-- run's parameters (dataset, split, k, variants, tuned configuration) and a label. Written once per run
-- by `rec eval` (RecService.EvalReportStore), never updated.
CREATE TABLE eval_reports (
    id          bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 512),
    parameters  jsonb NOT NULL DEFAULT '{}',
    report      jsonb NOT NULL
);
CREATE INDEX eval_reports_created_idx ON eval_reports (created_at DESC, id DESC);
