// Package report renders a *calyptos.Report for people and for machines:
// text in the original Calyptos console style (streamed as findings arrive
// by a TextReporter, or written whole by WriteText), JSON (WriteJSON, read
// back by ReadJSON), JUnit XML for CI servers (WriteJUnit) and one
// self-contained HTML page (WriteHTML). Write dispatches on a Format
// parsed by ParseFormat, for a CLI's "-o json".
//
// # Text
//
// Each check prints a start line, one line per finding and a results line;
// the label is padded to 20 characters inside its brackets:
//
//	[DEBUG STARTING      ] debug_cloud_controller
//	[DEBUG PASSED        ] 10.0.0.1: CLC service running
//	[DEBUG FAILED        ] 10.0.0.1: Database is larger than 3GB
//	[DEBUG RESULTS       ] debug_cloud_controller: passed 1, failed 1, warnings 0 (1.2s)
//
// Validation runs say TEST STARTING / TEST RESULTS and VALIDATION PASSED,
// FAILED, WARNING, INFO or SKIPPED. With Options.Color passes are green,
// failures red, warnings yellow, start and results lines cyan. Control
// characters in findings are shown as \xNN so that output from remote hosts
// cannot drive the terminal. The summary gives the original's totals
// (Total passed / failed / warnings), the reachability matrix of a debug
// run (a grid when it fits in Options.Width columns, otherwise the probes
// that were not ok, grouped by target) and the artifacts collected.
//
// # JSON
//
// WriteJSON writes one compact JSON object and a newline. Its fields are the
// json tags of the calyptos types, plus schema_version (first),
// duration_seconds and outcome (last). Version 2, shown indented:
//
//	{
//	  "schema_version": 2,               // SchemaVersion; bumped only on incompatible change
//	  "kind": "debug",                   // "validate" or "debug"
//	  "started": "2026-11-25T04:00:00Z", // RFC 3339 with nanoseconds
//	  "duration_ns": 1500000000,         // whole run, nanoseconds
//	  "checks": [                        // in run order; [] when none ran
//	    {
//	      "name": "debug_cloud_controller",
//	      "counts": {"pass": 0, "warn": 0, "fail": 1, "info": 1, "skip": 0},
//	      "findings": [                  // in report order; [] when none
//	        {
//	          "check": "debug_cloud_controller",
//	          "host": "10.0.0.1",        // omitted for deployment-wide findings
//	          "status": "fail",          // pass | warn | fail | info | skip
//	          "message": "Database is larger than 3GB",
//	          "evidence": "3412\t/var/lib/eucalyptus/db/", // omitted when empty
//	          "pos": {"file": "env.yml", "line": 12, "column": 19}, // where in the environment file; omitted when nowhere
//	          "id": "debug_cloud_controller/db-size", // check/key: stable across runs
//	          "hint": "vacuum the database or move it to a larger disk", // fail and warn only; omitted when empty
//	          "ref": "https://docs.eucalyptus.cloud/..." // fail and warn only; omitted when empty
//	        },
//	        {"check": "debug_cloud_controller", "status": "info", "message": "3 CLCs", "id": "debug_cloud_controller/clcs"}
//	      ],
//	      "probes": [                    // omitted when the check probed nothing
//	        {
//	          "from": "10.0.0.3", "to": "10.0.0.1", "port": 8773, "proto": "tcp",
//	          "label": "CLC web",        // omitted when empty
//	          "result": "refused",       // ok | refused | timeout | error | unknown
//	          "detail": "connection refused" // omitted when empty
//	        }
//	      ],
//	      "artifacts": [                 // omitted when the check collected nothing
//	        {
//	          "host": "10.0.0.1",        // omitted when empty
//	          "remote": "/tmp/sosreport-clc.tar.xz", // omitted when empty
//	          "path": "sosreport-20261125-040000/10.0.0.1/sosreport-clc.tar.xz",
//	          "bytes": 1048576
//	        }
//	      ],
//	      "duration_ns": 1200000000
//	    }
//	  ],
//	  "totals": {"pass": 0, "warn": 0, "fail": 1, "info": 1, "skip": 0},
//	  "interrupted": true,               // omitted unless the run was cut short
//	  "environment": "edge-demo",        // RoleBuilder.Identity: the file's name:, or roles-<hash>
//	  "hosts": [                         // hosts the executor's calls went to; omitted when none
//	    {"host": "10.0.0.1", "reached": true},
//	    {"host": "10.0.0.9", "reached": false, "unreachable": true, "error": "dial tcp 10.0.0.9:22: i/o timeout"}
//	  ],
//	  "duration_seconds": 1.5,           // duration_ns in seconds, for people
//	  "outcome": "failed"                // Report.Outcome: passed | warnings | failed | interrupted
//	}
//
// (The comments are not part of the document.) It is encoding/json's
// encoding of the calyptos types, except that <, > and & are left as they
// are and empty lists are [] rather than null. Readers should ignore
// fields they do not know: new fields may appear within a schema version.
//
// JSON and JUnit are encoded one finding at a time, straight to the
// writer: their memory use grows with the largest finding (a host's
// output, capped by the executor), not with the number of hosts.
//
// Version 2 added a finding's "id", "hint" and "ref" and the report's
// "environment". A finding's ID is "<check>/<key>"; with its host it names
// the same thing checked in every run, whatever was measured (see
// calyptos.Scope.Key; a finding whose check gave no key is keyed by its
// format string), so two reports can be compared (baseline.Compare,
// ReadBaseline). Version 1 reports are still read by ReadJSON, but cannot
// serve as a baseline: they have no IDs.
//
// # JUnit
//
// See WriteJUnit for how findings map to test cases. In short: one
// <testsuite> per check, one <testcase> per Pass, Warn, Fail or Skip
// finding, named "<host>: <key>" after the finding's ID so that a case
// keeps its name from run to run and only its outcome changes; warnings pass with a WARNING line in <system-out> (or fail with
// Options.Strict); Info findings go to the suite's <system-out>, not into
// the test counts.
package report
