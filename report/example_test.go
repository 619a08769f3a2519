package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/org/calyptos"
	"github.com/org/calyptos/report"
)

// exampleReport is a small debug report with a fixed start and duration,
// so that the examples' output is stable.
func exampleReport() *calyptos.Report {
	cr := &calyptos.CheckResult{
		Name: "debug_cloud_controller",
		Findings: []calyptos.Finding{
			{Check: "debug_cloud_controller", Host: "10.0.0.1", Status: calyptos.Pass, Message: "CLC service running"},
			{Check: "debug_cloud_controller", Host: "10.0.0.1", Status: calyptos.Fail, Message: "Database is larger than 3GB", Evidence: "3412 /var/lib/eucalyptus/db/"},
			{Check: "debug_cloud_controller", Host: "10.0.0.1", Status: calyptos.Warn, Message: "clock offset 0.8s"},
		},
		Probes: []calyptos.Probe{
			{From: "10.0.0.2", To: "10.0.0.1", Port: 8773, Proto: "tcp", Label: "CLC web", Result: calyptos.ProbeOK},
			{From: "10.0.0.3", To: "10.0.0.1", Port: 8773, Proto: "tcp", Label: "CLC web", Result: calyptos.ProbeRefused, Detail: "connection refused"},
		},
		Duration: 1200 * time.Millisecond,
	}
	for _, f := range cr.Findings {
		cr.Counts.Add(f.Status)
	}
	return &calyptos.Report{
		Kind:     calyptos.KindDebug,
		Started:  time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC),
		Duration: 1500 * time.Millisecond,
		Checks:   []*calyptos.CheckResult{cr},
		Totals:   cr.Counts,
	}
}

func ExampleWriteText() {
	err := report.WriteText(os.Stdout, exampleReport(), report.Options{Verbose: true})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// [DEBUG STARTING      ] debug_cloud_controller
	// [DEBUG PASSED        ] 10.0.0.1: CLC service running
	// [DEBUG FAILED        ] 10.0.0.1: Database is larger than 3GB
	//                        | 3412 /var/lib/eucalyptus/db/
	// [DEBUG WARNING       ] 10.0.0.1: clock offset 0.8s
	// [DEBUG RESULTS       ] debug_cloud_controller: passed 1, failed 1, warnings 1 (1.2s)
	// Total passed: 1
	// Total failed: 1
	// Total warnings: 1
	//
	// Reachability: 1 of 2 probes ok
	// from \ to  10.0.0.1:8773
	// 10.0.0.2   ok
	// 10.0.0.3   REFUSED
	//   10.0.0.1:8773: CLC web
	// Probes not ok:
	//   10.0.0.3 -> 10.0.0.1:8773: REFUSED: connection refused
}

// A CLI streams findings while the run goes on, then prints the summary.
// Here the runner's calls are made by hand; in a real run the reporter is
// passed as calyptos.RunOptions.Reporter.
func ExampleTextReporter() {
	tr := report.NewTextReporter(os.Stdout, calyptos.KindValidate, report.Options{
		Color: report.ColorEnabled(os.Stdout, os.Getenv), // false under go test
	})
	tr.CheckStarted("topology")
	tr.Finding(calyptos.Finding{Check: "topology", Host: "10.0.0.1", Status: calyptos.Pass, Message: "CLC defined"})
	tr.Finding(calyptos.Finding{Check: "topology", Status: calyptos.Fail, Message: "no node controller"})
	res := &calyptos.CheckResult{Name: "topology", Counts: calyptos.Counts{Pass: 1, Fail: 1}, Duration: 30 * time.Millisecond}
	tr.CheckFinished(res)
	rep := &calyptos.Report{Kind: calyptos.KindValidate, Checks: []*calyptos.CheckResult{res}, Totals: res.Counts}
	if err := tr.Summary(rep); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [TEST STARTING       ] topology
	// [VALIDATION PASSED   ] 10.0.0.1: CLC defined
	// [VALIDATION FAILED   ] no node controller
	// [TEST RESULTS        ] topology: passed 1, failed 1, warnings 0 (0.0s)
	// Total passed: 1
	// Total failed: 1
	// Total warnings: 0
}

func ExampleWriteJSON() {
	if err := report.WriteJSON(os.Stdout, exampleReport()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"schema_version":2,"kind":"debug","started":"2026-11-25T04:00:00Z","duration_ns":1500000000,"checks":[{"name":"debug_cloud_controller","counts":{"pass":1,"warn":1,"fail":1,"info":0,"skip":0},"findings":[{"check":"debug_cloud_controller","host":"10.0.0.1","status":"pass","message":"CLC service running"},{"check":"debug_cloud_controller","host":"10.0.0.1","status":"fail","message":"Database is larger than 3GB","evidence":"3412 /var/lib/eucalyptus/db/"},{"check":"debug_cloud_controller","host":"10.0.0.1","status":"warn","message":"clock offset 0.8s"}],"probes":[{"from":"10.0.0.2","to":"10.0.0.1","port":8773,"proto":"tcp","label":"CLC web","result":"ok"},{"from":"10.0.0.3","to":"10.0.0.1","port":8773,"proto":"tcp","label":"CLC web","result":"refused","detail":"connection refused"}],"duration_ns":1200000000}],"totals":{"pass":1,"warn":1,"fail":1,"info":0,"skip":0},"duration_seconds":1.5,"outcome":"failed"}
}

func ExampleWriteJUnit() {
	if err := report.WriteJUnit(os.Stdout, exampleReport(), report.Options{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <testsuites name="calyptos debug" tests="3" failures="1" errors="0" skipped="0" time="1.500" timestamp="2026-11-25T04:00:00">
	//   <testsuite name="debug_cloud_controller" tests="3" failures="1" errors="0" skipped="0" time="1.200" timestamp="2026-11-25T04:00:00">
	//     <testcase classname="calyptos.debug.debug_cloud_controller" name="10.0.0.1: CLC service running"></testcase>
	//     <testcase classname="calyptos.debug.debug_cloud_controller" name="10.0.0.1: Database is larger than 3GB">
	//       <failure message="Database is larger than 3GB" type="fail">3412 /var/lib/eucalyptus/db/</failure>
	//     </testcase>
	//     <testcase classname="calyptos.debug.debug_cloud_controller" name="10.0.0.1: clock offset 0.8s">
	//       <system-out>WARNING: clock offset 0.8s</system-out>
	//     </testcase>
	//   </testsuite>
	// </testsuites>
}

// A CLI's -o flag picks the format; Write renders the report in it.
func ExampleWrite() {
	format, err := report.ParseFormat("json")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep := &calyptos.Report{Kind: calyptos.KindValidate, Started: time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)}
	if err := report.Write(os.Stdout, rep, format, report.Options{}); err != nil {
		fmt.Println(err)
	}
	_, err = report.ParseFormat("yaml")
	fmt.Println(err)
	// Output:
	// {"schema_version":2,"kind":"validate","started":"2026-11-25T04:00:00Z","duration_ns":0,"checks":[],"totals":{"pass":0,"warn":0,"fail":0,"info":0,"skip":0},"duration_seconds":0,"outcome":"passed"}
	// unknown report format "yaml" (valid: text, json, junit, html)
}
