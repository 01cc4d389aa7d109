// Command capvcd-conformance drives the unmodified Cluster API Provider for VCD / cloud-provider SDK
// (github.com/vmware/cloud-provider-for-cloud-director/pkg/vcdsdk, on the go-vcloud-director version CAPVCD
// pins) against a running Tessera, doing what CAPVCD's controllers do with an API token:
//
//	client from secrets (System org first, then the tenant) -> VDC -> vApp -> VMs by name and by id ->
//	guestinfo.* through GetExtraConfigValue -> metadata -> product version (GET /api/admin) ->
//	RefreshBearerToken -> the token is revoked -> every call fails with an error, never a panic.
//
// It exits non-zero on the first failed assertion, with the step, the reason and the last HTTP exchanges;
// on success it prints one line `CAPVCD-CONFORMANCE-SUMMARY {json}` (last line of stdout).
//
//	capvcd-conformance -expect scenario.json [-timeout 180s]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

const (
	cpiModulePath   = "github.com/vmware/cloud-provider-for-cloud-director"
	govcdModulePath = "github.com/vmware/go-vcloud-director/v2"
)

// Scenario is what the harness expects, computed from the demo inventory (test/conformance/capvcd.test.ts).
type Scenario struct {
	// Host is Tessera's root URL (https://127.0.0.1:PORT); the SDK appends /api and /cloudapi.
	Host string `json:"host"`
	// Label names the principal in messages ("alice@acme").
	Label string `json:"label"`
	// UserOrg is the token owner's org as CAPVCD's secret names it; ClusterOrg and Vdc where the cluster lives.
	UserOrg    string `json:"userOrg"`
	ClusterOrg string `json:"clusterOrg"`
	Vdc        string `json:"vdc"`
	// Sysadmin: the token belongs to a System administrator (the SDK must end up with IsSysAdmin).
	Sysadmin     bool   `json:"sysadmin"`
	RefreshToken string `json:"refreshToken"`
	// TokenID (urn:vcloud:token:<uuid>) is revoked at the end with the SDK's own bearer.
	TokenID string `json:"tokenId"`
	VApp    string `json:"vapp"`
	// Vms: every VM of VApp, with its id, ExtraConfig and metadata as the demo seeds them.
	Vms []ScenarioVm `json:"vms"`
	// AbsentKey is a guestinfo key no VM has: GetExtraConfigValue must answer "" without an error.
	AbsentKey string `json:"absentKey"`
	// VcdVersion is the four-part version GetVcdFullVersion must read from GET /api/admin.
	VcdVersion string `json:"vcdVersion"`
}

type ScenarioVm struct {
	Name        string            `json:"name"`
	ID          string            `json:"id"`
	ExtraConfig map[string]string `json:"extraConfig"`
	Metadata    map[string]string `json:"metadata"`
}

type summary struct {
	Client       string         `json:"client"`
	Module       string         `json:"module"`
	Version      string         `json:"version"`
	Govcd        string         `json:"govcd"`
	GovcdVersion string         `json:"govcdVersion"`
	Go           string         `json:"go"`
	Label        string         `json:"label"`
	Sysadmin     bool           `json:"sysadmin"`
	Steps        []string       `json:"steps"`
	Counts       map[string]int `json:"counts"`
	// ExpectedErrors: the errors the SDK returned where an error was the right answer (after revocation).
	ExpectedErrors map[string]string `json:"expectedErrors"`
	ElapsedMs      int64             `json:"elapsedMs"`
}

func main() {
	expectPath := flag.String("expect", "", "scenario JSON file")
	timeout := flag.Duration("timeout", 180*time.Second, "overall deadline")
	flag.Parse()
	if *expectPath == "" {
		fmt.Fprintln(os.Stderr, "usage: capvcd-conformance -expect scenario.json [-timeout 180s]")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*expectPath)
	if err != nil {
		fatalf("cannot read scenario %s: %v", *expectPath, err)
	}
	var sc Scenario
	if err := json.Unmarshal(raw, &sc); err != nil {
		fatalf("cannot parse scenario %s: %v", *expectPath, err)
	}
	if !strings.HasPrefix(sc.Host, "https://") {
		fatalf("host must be an https URL, got %q", sc.Host)
	}

	r := &runner{sc: sc, rec: &recorder{}, started: time.Now()}
	time.AfterFunc(*timeout, func() {
		fmt.Fprintf(os.Stderr, "FAIL [%s]: overall timeout of %s exceeded in step %q\n", moduleLabel(), *timeout, r.rec.currentStep())
		fmt.Fprintf(os.Stderr, "Last HTTP exchanges:\n%s", r.rec.dump())
		os.Exit(3)
	})
	r.sum = summary{
		Client: "cloud-provider-for-cloud-director/pkg/vcdsdk", Module: cpiModulePath, Version: depVersion(cpiModulePath),
		Govcd: govcdModulePath, GovcdVersion: depVersion(govcdModulePath), Go: runtime.Version(),
		Label: sc.Label, Sysadmin: sc.Sysadmin, Counts: map[string]int{}, ExpectedErrors: map[string]string{},
	}
	r.run()
	r.sum.ElapsedMs = time.Since(r.started).Milliseconds()
	out, _ := json.Marshal(r.sum)
	fmt.Printf("CAPVCD-CONFORMANCE-SUMMARY %s\n", out)
}

// step runs one assertion; a returned error or a panic inside the SDK ends the run with exit code 1.
func (r *runner) step(name string, fn func() error) {
	r.rec.setStep(name)
	started := time.Now()
	if err := recovered(fn); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL [%s as %s] step %q: %v\n", moduleLabel(), r.sc.Label, name, err)
		fmt.Fprintf(os.Stderr, "Last HTTP exchanges:\n%s", r.rec.dump())
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "ok   %-72s %4dms\n", name, time.Since(started).Milliseconds())
	r.sum.Steps = append(r.sum.Steps, name)
}

// recovered turns a panic in the SDK into an error: a panic is a failure, never a crash of the harness.
func recovered(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in the SDK: %v\n%s", p, debug.Stack())
		}
	}()
	return fn()
}

func depVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				if dep.Replace != nil {
					return dep.Replace.Version
				}
				return dep.Version
			}
		}
	}
	return "unknown"
}

func moduleLabel() string {
	return fmt.Sprintf("%s %s, govcd %s", cpiModulePath, depVersion(cpiModulePath), depVersion(govcdModulePath))
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL [%s]: %s\n", moduleLabel(), fmt.Sprintf(format, args...))
	os.Exit(2)
}
