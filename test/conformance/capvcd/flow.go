package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/vmware/cloud-provider-for-cloud-director/pkg/vcdsdk"
	"github.com/vmware/go-vcloud-director/v2/govcd"
)

type runner struct {
	sc      Scenario
	rec     *recorder
	sum     summary
	started time.Time
}

// newClient is CAPVCD's NewVCDClientFromSecrets with a refresh token (no user, no password) and the VDC client.
func (r *runner) newClient() (*vcdsdk.Client, error) {
	sc := r.sc
	return vcdsdk.NewVCDClientFromSecrets(sc.Host, sc.ClusterOrg, sc.Vdc, sc.UserOrg, "", "", sc.RefreshToken, true, true)
}

func (r *runner) run() {
	sc := r.sc

	// 1. GetBearerToken: POST /oauth/provider/token, and for a tenant token the fallback to
	//    /oauth/tenant/<org>/token; then GET /api/versions (37.2), /api/org, the org and the VDC.
	var client *vcdsdk.Client
	r.step("NewVCDClientFromSecrets (System org first, then the tenant)", func() error {
		var err error
		if client, err = r.newClient(); err != nil {
			return err
		}
		r.rec.attach(&client.VCDClient.Client.Http)
		switch {
		case client.VCDClient.Client.IsSysAdmin != sc.Sysadmin:
			return fmt.Errorf("IsSysAdmin = %v, want %v", client.VCDClient.Client.IsSysAdmin, sc.Sysadmin)
		case client.VDC == nil || client.VDC.Vdc == nil || client.VDC.Vdc.Name != sc.Vdc:
			return fmt.Errorf("client VDC %+v, want %q", client.VDC, sc.Vdc)
		case client.VCDClient.Client.APIVersion != vcdsdk.VCloudApiVersion_37_2:
			return fmt.Errorf("API version %q, want %s", client.VCDClient.Client.APIVersion, vcdsdk.VCloudApiVersion_37_2)
		}
		return nil
	})

	var vdcManager *vcdsdk.VdcManager
	r.step("NewVDCManager (org and VDC by name)", func() error {
		var err error
		vdcManager, err = vcdsdk.NewVDCManager(client, sc.ClusterOrg, sc.Vdc)
		return err
	})

	r.step(fmt.Sprintf("FindAllVMsInVapp(%s)", sc.VApp), func() error {
		vms, err := vdcManager.FindAllVMsInVapp(sc.VApp)
		if err != nil {
			return err
		}
		var got, want []string
		for _, vm := range vms {
			got = append(got, vm.Name)
		}
		for _, vm := range sc.Vms {
			want = append(want, vm.Name)
		}
		r.sum.Counts["vmsInVapp"] = len(got)
		return sameSet("VMs", got, want)
	})

	for _, want := range sc.Vms {
		var vm *govcd.VM
		r.step(fmt.Sprintf("FindVMByName(%s, %s)", sc.VApp, want.Name), func() error {
			var err error
			if vm, err = vdcManager.FindVMByName(sc.VApp, want.Name); err != nil {
				return err
			}
			if vm.VM.ID != want.ID {
				return fmt.Errorf("id %q, want %q", vm.VM.ID, want.ID)
			}
			return nil
		})
		r.step(fmt.Sprintf("FindVMByUUID(%s, %s)", sc.VApp, want.ID), func() error {
			byID, err := vdcManager.FindVMByUUID(sc.VApp, want.ID)
			if err != nil {
				return err
			}
			if byID.VM.Name != want.Name {
				return fmt.Errorf("name %q, want %q", byID.VM.Name, want.Name)
			}
			return nil
		})
		// CAPVCD polls guestinfo.* here; the SDK dereferences ovf:VirtualHardwareSection without a nil check.
		r.step(fmt.Sprintf("GetExtraConfigValue on %s (%d keys)", want.Name, len(want.ExtraConfig)), func() error {
			for _, key := range sortedKeys(want.ExtraConfig) {
				got, err := vdcManager.GetExtraConfigValue(vm, key)
				if err != nil {
					return fmt.Errorf("%s: %v", key, err)
				}
				if got != want.ExtraConfig[key] {
					return fmt.Errorf("%s = %q, want %q", key, got, want.ExtraConfig[key])
				}
				r.sum.Counts["extraConfigValues"]++
			}
			got, err := vdcManager.GetExtraConfigValue(vm, sc.AbsentKey)
			if err != nil || got != "" {
				return fmt.Errorf("absent key %s: %q, %v; want \"\" and no error", sc.AbsentKey, got, err)
			}
			return nil
		})
		// The same Vm document through go-vcloud-director's own types (typed rasd items).
		r.step(fmt.Sprintf("VirtualHardwareSection of %s through govcd's types", want.Name), func() error {
			if err := vm.Refresh(); err != nil {
				return err
			}
			section := vm.VM.VirtualHardwareSection
			if section == nil {
				return errors.New("no VirtualHardwareSection")
			}
			kinds := map[int]int{}
			for _, item := range section.Item {
				kinds[item.ResourceType]++
			}
			if kinds[3] != 1 || kinds[4] != 1 || kinds[17] < 1 {
				return fmt.Errorf("resource types %v: want one CPU (3), one memory (4) and a disk (17)", kinds)
			}
			if len(section.ExtraConfig) != len(want.ExtraConfig) {
				return fmt.Errorf("%d ExtraConfig entries, want %d", len(section.ExtraConfig), len(want.ExtraConfig))
			}
			return nil
		})
		r.step(fmt.Sprintf("VM metadata of %s", want.Name), func() error {
			metadata, err := vm.GetMetadata()
			if err != nil {
				return err
			}
			got := map[string]string{}
			for _, entry := range metadata.MetadataEntry {
				if entry.TypedValue != nil {
					got[entry.Key] = entry.TypedValue.Value
				}
			}
			for key, value := range want.Metadata {
				if got[key] != value {
					return fmt.Errorf("metadata %s = %q, want %q (all: %v)", key, got[key], value, got)
				}
			}
			return nil
		})
	}

	r.step(fmt.Sprintf("GetMetadataByKey on vApp %s: a missing key is an error", sc.VApp), func() error {
		vApp, err := vdcManager.Vdc.GetVAppByName(sc.VApp, true)
		if err != nil {
			return err
		}
		_, err = vdcManager.GetMetadataByKey(vApp, "capvcd.conformance.absent")
		if err == nil || !strings.Contains(err.Error(), "metadata record not found") {
			return fmt.Errorf("got %v, want \"metadata record not found\"", err)
		}
		return nil
	})

	r.step(fmt.Sprintf("QueryVM(%s, %s)", sc.VApp, sc.Vms[0].Name), func() error {
		record, err := client.VDC.QueryVM(sc.VApp, sc.Vms[0].Name)
		if err != nil {
			return err
		}
		if record.VM == nil || record.VM.Name != sc.Vms[0].Name {
			return fmt.Errorf("record %+v, want VM %q", record.VM, sc.Vms[0].Name)
		}
		return nil
	})

	// govcd reads the product version from the admin VCloud document's Description.
	r.step("GetVcdFullVersion (GET /api/admin)", func() error {
		full, err := client.VCDClient.Client.GetVcdFullVersion()
		if err != nil {
			return err
		}
		if full.Version.String() != sc.VcdVersion {
			return fmt.Errorf("version %s, want %s", full.Version, sc.VcdVersion)
		}
		short, err := client.VCDClient.Client.GetVcdShortVersion()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(sc.VcdVersion, short+".") {
			return fmt.Errorf("short version %s does not start %s", short, sc.VcdVersion)
		}
		return nil
	})

	r.step("RefreshBearerToken (SetToken again, org, VDC, API 37.2)", func() error {
		before := client.VCDClient.Client.VCDToken
		if err := client.RefreshBearerToken(); err != nil {
			return err
		}
		if client.VCDClient.Client.VCDToken == "" || client.VCDClient.Client.VCDToken == before {
			return errors.New("the bearer token was not renewed")
		}
		if client.VDC == nil || client.VDC.Vdc.Name != sc.Vdc {
			return fmt.Errorf("client VDC after refresh %+v, want %q", client.VDC, sc.Vdc)
		}
		return nil
	})

	first := sc.Vms[0]
	var firstVM *govcd.VM
	r.step("GetExtraConfigValue with the refreshed bearer", func() error {
		var err error
		if firstVM, err = vdcManager.FindVMByName(sc.VApp, first.Name); err != nil {
			return err
		}
		key := sortedKeys(first.ExtraConfig)[0]
		got, err := vdcManager.GetExtraConfigValue(firstVM, key)
		if err != nil || got != first.ExtraConfig[key] {
			return fmt.Errorf("%s = %q, %v; want %q", key, got, err, first.ExtraConfig[key])
		}
		return nil
	})

	// The user revokes the token (here with the SDK's own bearer, a session made from that token).
	r.step("revoke the API token (DELETE /cloudapi/1.0.0/tokens/{id})", func() error {
		return revoke(sc.Host, sc.TokenID, client.VCDClient.Client.VCDToken)
	})

	// From the next request on, the SDK must report errors, as against VCD, and never panic.
	r.step("after revocation: GetExtraConfigValue returns an error", func() error {
		_, err := vdcManager.GetExtraConfigValue(firstVM, sortedKeys(first.ExtraConfig)[0])
		return r.expectError("GetExtraConfigValue", err)
	})
	r.step("after revocation: RefreshBearerToken returns an error", func() error {
		return r.expectError("RefreshBearerToken", client.RefreshBearerToken())
	})
	r.step("after revocation: NewVCDClientFromSecrets returns an error", func() error {
		_, err := r.newClient()
		return r.expectError("NewVCDClientFromSecrets", err)
	})
}

func (r *runner) expectError(what string, err error) error {
	if err == nil {
		return fmt.Errorf("%s succeeded with a revoked token", what)
	}
	r.sum.ExpectedErrors[what] = err.Error()
	return nil
}

// revoke is the HTTP call a user's script makes (no SDK wraps it): 204 on success.
func revoke(host, tokenID, bearer string) error {
	req, err := http.NewRequest(http.MethodDelete, host+"/cloudapi/1.0.0/tokens/"+tokenID, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept", "application/json;version="+vcdsdk.VCloudApiVersion_37_2)
	plain := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := plain.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("DELETE %s: %s, want 204", tokenID, resp.Status)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sameSet(what string, got, want []string) error {
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		return fmt.Errorf("%s: got %v, want %v", what, got, want)
	}
	return nil
}
