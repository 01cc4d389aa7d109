// The org lifecycle through VCD's admin API (issue 12), as Terraform's vcd_org and vcd_org_user drive it, run
// by the System administrator's scenario after the read and token steps:
//
//	CreateOrg (with the settings vcd_org writes) + WaitTaskCompletion, GetAdminOrgByName reads them back,
//	AdminOrg.Update + WaitTaskCompletion, CreateUserSimple with the Organization Administrator role from the
//	AdminOrg's RoleReferences, that user signs in, creates an API token and uses it; Disable: the token's
//	exchange fails and an access token already issued is refused; enable; OrgUser.ChangePassword, Disable,
//	Enable and Delete(takeOwnership); the sync API gives the org a VDC, vApps, VMs and a catalog, and
//	AdminOrg.Delete(force, recursive) takes it apart (undeploy and delete each vApp, delete the catalog, disable and
//	delete the VDC) before it deletes the org.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

func intPtr(v int) *int    { return &v }
func boolPtr(v bool) *bool { return &v }

func (r *runner) orgAdmin(admin *VCDClient) {
	major := govcdModulePath[len(govcdModulePath)-2:]
	orgName := fmt.Sprintf("tf-%s-%d", major, time.Now().UnixNano())
	const userName, userPassword = "org-admin", "Conformance-Password-1"

	settings := &OrgSettings{
		OrgGeneralSettings: &OrgGeneralSettings{
			CanPublishCatalogs: true, DeployedVMQuota: 10, StoredVMQuota: 20, DelayAfterPowerOnSeconds: 5,
		},
		OrgVAppLeaseSettings: &VAppLeaseSettings{
			DeleteOnStorageLeaseExpiration: boolPtr(false), DeploymentLeaseSeconds: intPtr(3600),
			StorageLeaseSeconds: intPtr(7200), PowerOffOnRuntimeLeaseExpiration: boolPtr(true),
		},
		OrgVAppTemplateSettings: &VAppTemplateLeaseSettings{DeleteOnStorageLeaseExpiration: boolPtr(true), StorageLeaseSeconds: intPtr(86400)},
		OrgLdapSettings:         &OrgLdapSettingsType{OrgLdapMode: "NONE"},
	}

	r.step("CreateOrg + WaitTaskCompletion", func() error {
		task, err := CreateOrg(admin, orgName, "Terraform Org", "made by govcd", settings, true)
		if err != nil {
			return err
		}
		return task.WaitTaskCompletion()
	})

	var adminOrg *AdminOrg
	r.step("GetAdminOrgByName(new org) reads the settings back", func() error {
		var err error
		if adminOrg, err = admin.GetAdminOrgByName(orgName); err != nil {
			return err
		}
		o := adminOrg.AdminOrg
		s := o.OrgSettings
		switch {
		case o.FullName != "Terraform Org" || o.Description != "made by govcd" || !o.IsEnabled:
			return fmt.Errorf("name/full name/description/enabled read back as %q %q %v", o.FullName, o.Description, o.IsEnabled)
		case o.RoleReferences == nil || o.Users == nil || o.Vdcs == nil || o.Catalogs == nil || o.Networks == nil:
			return errors.New("RoleReferences, Users, Vdcs, Catalogs or Networks missing")
		case s == nil || s.OrgGeneralSettings == nil || s.OrgVAppLeaseSettings == nil || s.OrgVAppTemplateSettings == nil || s.OrgLdapSettings == nil:
			return errors.New("a Settings section is missing")
		case !s.OrgGeneralSettings.CanPublishCatalogs || s.OrgGeneralSettings.DeployedVMQuota != 10 || s.OrgGeneralSettings.StoredVMQuota != 20 ||
			s.OrgGeneralSettings.DelayAfterPowerOnSeconds != 5:
			return fmt.Errorf("OrgGeneralSettings read back as %+v", *s.OrgGeneralSettings)
		case *s.OrgVAppLeaseSettings.DeploymentLeaseSeconds != 3600 || *s.OrgVAppLeaseSettings.StorageLeaseSeconds != 7200 ||
			*s.OrgVAppLeaseSettings.DeleteOnStorageLeaseExpiration || !*s.OrgVAppLeaseSettings.PowerOffOnRuntimeLeaseExpiration:
			return errors.New("VAppLeaseSettings did not read back as written")
		case !*s.OrgVAppTemplateSettings.DeleteOnStorageLeaseExpiration || *s.OrgVAppTemplateSettings.StorageLeaseSeconds != 86400:
			return errors.New("VAppTemplateLeaseSettings did not read back as written")
		case s.OrgLdapSettings.OrgLdapMode != "NONE":
			return fmt.Errorf("OrgLdapMode %q, want NONE", s.OrgLdapSettings.OrgLdapMode)
		}
		return nil
	})

	r.step("AdminOrg.Update + WaitTaskCompletion", func() error {
		adminOrg.AdminOrg.FullName = "Terraform Org (updated)"
		adminOrg.AdminOrg.OrgSettings.OrgVAppLeaseSettings.DeploymentLeaseSeconds = intPtr(0)
		task, err := adminOrg.Update()
		if err != nil {
			return err
		}
		if err := task.WaitTaskCompletion(); err != nil {
			return err
		}
		if err := adminOrg.Refresh(); err != nil {
			return err
		}
		if adminOrg.AdminOrg.FullName != "Terraform Org (updated)" || *adminOrg.AdminOrg.OrgSettings.OrgVAppLeaseSettings.DeploymentLeaseSeconds != 0 {
			return errors.New("the update did not read back")
		}
		return nil
	})

	var user *OrgUser
	r.step("CreateUserSimple(Organization Administrator from RoleReferences)", func() error {
		var err error
		user, err = adminOrg.CreateUserSimple(OrgUserConfiguration{
			Name: userName, Password: userPassword, RoleName: OrgAdministratorRole, IsEnabled: true,
			FullName: "Org Admin", EmailAddress: "oa@example.com", DeployedVmQuota: 2, StoredVmQuota: 3,
		})
		if err != nil {
			return err
		}
		u := user.User
		switch {
		case user.GetRoleName() != OrgAdministratorRole:
			return fmt.Errorf("role %q, want %q", user.GetRoleName(), OrgAdministratorRole)
		case u.GroupReferences == nil:
			return errors.New("GroupReferences missing")
		case !u.IsEnabled || u.FullName != "Org Admin" || u.EmailAddress != "oa@example.com" || u.DeployedVmQuota != 2 || u.StoredVmQuota != 3:
			return fmt.Errorf("user read back as %+v", *u)
		}
		return nil
	})

	r.step("OrgUser.UpdateSimple (full name) reads back", func() error {
		err := user.UpdateSimple(OrgUserConfiguration{
			RoleName: OrgAdministratorRole, IsEnabled: true, FullName: "Org Admin (updated)", DeployedVmQuota: 2, StoredVmQuota: 3,
		})
		if err != nil {
			return err
		}
		again, err := adminOrg.GetUserByName(userName, true)
		if err != nil {
			return err
		}
		if again.User.FullName != "Org Admin (updated)" || again.User.Role == nil || again.User.Role.Name != OrgAdministratorRole {
			return fmt.Errorf("user read back as %+v", *again.User)
		}
		user = again
		return nil
	})

	// The new org administrator: password sign-in, an API token, a session made from it.
	var apiToken string
	var tokenClient *VCDClient
	r.step("the new user signs in, creates an API token and uses it", func() error {
		c := r.newClient()
		if err := c.Authenticate(userName, userPassword, orgName); err != nil {
			return err
		}
		tok, err := c.CreateToken(orgName, "conformance-"+major)
		if err != nil {
			return err
		}
		initial, err := tok.GetInitialApiToken()
		if err != nil {
			return err
		}
		apiToken = initial.RefreshToken
		tokenClient = r.newClient()
		if _, err := tokenClient.SetApiToken(orgName, apiToken); err != nil {
			return err
		}
		org, err := tokenClient.GetOrgByName(orgName)
		if err != nil {
			return err
		}
		if org.Org.Name != orgName {
			return fmt.Errorf("GetOrgByName answered %q", org.Org.Name)
		}
		return nil
	})

	r.step("AdminOrg.Disable", func() error { return adminOrg.Disable() })
	r.step("disabled org: the API token's exchange fails", func() error {
		if _, err := r.newClient().SetApiToken(orgName, apiToken); err == nil {
			return errors.New("SetApiToken succeeded for a token of a disabled org")
		} else {
			r.sum.Errors["disabledOrgExchange"] = err.Error()
		}
		return nil
	})
	r.step("disabled org: an access token already issued is refused", func() error {
		// GetOrgList, not GetOrgByName: the latter turns every failure into "entity not found".
		_, err := tokenClient.GetOrgList()
		if err == nil {
			return errors.New("the session made before the org was disabled still works")
		}
		if !strings.Contains(err.Error(), "401") {
			return fmt.Errorf("want a 401, got: %v", err)
		}
		r.sum.Errors["disabledOrgSession"] = err.Error()
		return nil
	})

	r.step("enable (POST .../action/enable), the token works again", func() error {
		err := admin.Client.ExecuteRequestWithoutResponse(adminOrg.AdminOrg.HREF+"/action/enable", http.MethodPost, "", "error enabling org: %s", nil)
		if err != nil {
			return err
		}
		if err := adminOrg.Refresh(); err != nil {
			return err
		}
		if !adminOrg.AdminOrg.IsEnabled {
			return errors.New("IsEnabled still false after enable")
		}
		_, err = r.newClient().SetApiToken(orgName, apiToken)
		return err
	})

	signInFails := func(password string) error {
		if err := r.newClient().Authenticate(userName, password, orgName); err == nil {
			return errors.New("the sign-in succeeded")
		}
		return nil
	}
	r.step("OrgUser.ChangePassword: the new password signs in, the old one no longer", func() error {
		if err := user.ChangePassword("Conformance-Password-2"); err != nil {
			return err
		}
		if err := r.newClient().Authenticate(userName, "Conformance-Password-2", orgName); err != nil {
			return err
		}
		return signInFails(userPassword)
	})
	r.step("OrgUser.Disable: no sign-in; OrgUser.Enable: sign-in again", func() error {
		if err := user.Disable(); err != nil {
			return err
		}
		if err := signInFails("Conformance-Password-2"); err != nil {
			return fmt.Errorf("disabled user: %w", err)
		}
		if err := user.Enable(); err != nil {
			return err
		}
		return r.newClient().Authenticate(userName, "Conformance-Password-2", orgName)
	})
	r.step("OrgUser.Delete(takeOwnership=true)", func() error {
		if err := user.Delete(true); err != nil {
			return err
		}
		if _, err := adminOrg.GetUserByName(userName, true); !ContainsNotFound(err) {
			return fmt.Errorf("GetUserByName after Delete: %v, want entity not found", err)
		}
		return nil
	})

	// Terraform's vcd_org destroy (delete_force, delete_recursive) on an org that holds inventory: govcd's
	// AdminOrg.Delete(true, true) undeploys and deletes every vApp, deletes the catalogs, disables and deletes every
	// VDC (src/http/legacy/inventory-teardown.ts), then deletes the org.
	r.step("the inventory sync API gives the org a VDC, vApps with VMs (one powered on) and a catalog", func() error {
		return putInventory(admin, orgName)
	})
	var vdcHrefs []string
	r.step("AdminOrg.Refresh lists the VDC and the catalog", func() error {
		if err := adminOrg.Refresh(); err != nil {
			return err
		}
		for _, vdc := range adminOrg.AdminOrg.Vdcs.Vdcs {
			vdcHrefs = append(vdcHrefs, vdc.HREF)
		}
		if len(vdcHrefs) != 1 || len(adminOrg.AdminOrg.Catalogs.Catalog) != 1 {
			return fmt.Errorf("%d VDCs and %d catalogs listed, want 1 and 1", len(vdcHrefs), len(adminOrg.AdminOrg.Catalogs.Catalog))
		}
		vdc, err := adminOrg.GetVDCByName("teardown-vdc", false)
		if err != nil {
			return err
		}
		if n := len(vdc.Vdc.ResourceEntities[0].ResourceEntity); n != 3 {
			return fmt.Errorf("the VDC lists %d vApps and templates, want 3", n)
		}
		return nil
	})

	r.step("AdminOrg.Delete(force=true, recursive=true) of an org holding inventory", func() error {
		if err := adminOrg.Delete(true, true); err != nil {
			return err
		}
		if _, err := admin.GetAdminOrgByName(orgName); !ContainsNotFound(err) {
			return fmt.Errorf("GetAdminOrgByName after Delete: %v, want entity not found", err)
		}
		// The VDC went first, with its vApps and VMs: its admin href is VCD's 403 for what is not there.
		err := admin.Client.ExecuteRequestWithoutResponse(vdcHrefs[0], http.MethodGet, "", "error reading the VDC: %s", nil)
		if err == nil || !strings.Contains(err.Error(), "403") {
			return fmt.Errorf("GET %s after Delete: %v, want a 403", vdcHrefs[0], err)
		}
		return nil
	})
}

// putInventory: the provider's agent pushes the org's inventory through the sync API
// (PUT /cloudapi/x-tessera/inventory/sources/{source}, docs/inventory.md) on the System administrator's session.
func putInventory(admin *VCDClient, orgName string) error {
	body, err := json.Marshal(map[string]any{
		"vdcs": []map[string]any{{"id": orgName + "/vdc", "org": orgName, "name": "teardown-vdc"}},
		"vapps": []map[string]any{
			{"id": orgName + "/web", "vdc": orgName + "/vdc", "name": "web", "status": "POWERED_ON"},
			{"id": orgName + "/batch", "vdc": orgName + "/vdc", "name": "batch", "status": "POWERED_OFF"},
			{"id": orgName + "/tpl", "vdc": orgName + "/vdc", "name": "ubuntu", "template": true, "catalog": "teardown-templates"},
		},
		"vms": []map[string]any{
			{"id": orgName + "/web-1", "vapp": orgName + "/web", "name": "web-1", "status": "POWERED_ON",
				"metadata": []map[string]string{{"key": "role", "value": "web"}}},
			{"id": orgName + "/web-2", "vapp": orgName + "/web", "name": "web-2", "status": "POWERED_OFF"},
			{"id": orgName + "/batch-1", "vapp": orgName + "/batch", "name": "batch-1"},
			{"id": orgName + "/tpl-1", "vapp": orgName + "/tpl", "name": "ubuntu"},
		},
	})
	if err != nil {
		return err
	}
	url := admin.Client.VCDHREF
	url.Path = "/cloudapi/x-tessera/inventory/sources/conformance-" + strings.ToLower(orgName)
	req, err := http.NewRequest(http.MethodPut, url.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin.Client.VCDToken)
	resp, err := admin.Client.Http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT %s: %d %s", url.Path, resp.StatusCode, answer)
	}
	return nil
}
