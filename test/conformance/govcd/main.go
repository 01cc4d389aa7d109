// Command govcd-conformance drives an unmodified go-vcloud-director (v2 or v3, chosen at build time by
// govcd_v2.go / govcd_v3.go) against a running Tessera and asserts what real VCD clients rely on:
// password sign-in, API-token creation, the three API-token entry points, org/VDC/VM reads with paging,
// token lookup and revocation, and the CAPVCD provider-then-tenant fallback.
//
// It exits non-zero on the first failed assertion, with the step, the reason and the last HTTP
// exchanges; on success it prints one line `GOVCD-CONFORMANCE-SUMMARY {json}` (last line of stdout).
//
//	govcd-conformance -url https://127.0.0.1:PORT -expect scenario.json [-timeout 180s] [-summary out.json]
//
// GOVCD_SHOW_REQ=1 GOVCD_SHOW_RESP=1 make govcd print every request and response on stdout.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Scenario is what the harness expects, computed from the demo inventory (see test/conformance/expect.ts).
type Scenario struct {
	Org      string `json:"org"`
	User     string `json:"user"`
	Password string `json:"password"`
	Sysadmin bool   `json:"sysadmin"`
	// OrgList: the org names GET /api/org must list, exactly.
	OrgList []string `json:"orgList"`
	// Orgs: the orgs to read by name (org and admin org), with the VDCs to read in each.
	Orgs []ScenarioOrg `json:"orgs"`
	// InvisibleOrgs: GetOrgByName must answer "entity not found".
	InvisibleOrgs []string `json:"invisibleOrgs"`
	// ForeignOrgs: the API token must be refused at /oauth/tenant/<org>/token.
	ForeignOrgs []string `json:"foreignOrgs"`
	// VmsAll / VmsDeployed: client.QueryVmList(all / only deployed), names as a multiset.
	VmsAll      []string `json:"vmsAll"`
	VmsDeployed []string `json:"vmsDeployed"`
	// ManageOrgs: run the org and user admin scenario (System administrator only; orgadmin.go).
	ManageOrgs bool `json:"manageOrgs"`
	// DeleteCatalog: a scratch catalog (one template) the System administrator deletes with AdminCatalog.Delete.
	DeleteCatalog *ScenarioDeleteCatalog `json:"deleteCatalog"`
}

type ScenarioDeleteCatalog struct {
	Org  string `json:"org"`
	Name string `json:"name"`
	Item string `json:"item"`
}

type ScenarioCatalog struct {
	Name  string   `json:"name"`
	Items []string `json:"items"`
}

type ScenarioOrg struct {
	Name string        `json:"name"`
	Vdcs []ScenarioVdc `json:"vdcs"`
	// Groups: found by AdminOrg.GetGroupByName and GetGroupById (the AdminOrg's Groups, then the Group document).
	Groups []ScenarioGroup `json:"groups"`
	// Catalogs: read by name and id, their items by the catalogItem query, an item's metadata and template.
	Catalogs []ScenarioCatalog `json:"catalogs"`
}

type ScenarioGroup struct {
	Name string `json:"name"`
	// Role: the role's name, or "" for a group without one (then the Group has no Role element).
	Role  string   `json:"role"`
	Users []string `json:"users"`
}

type ScenarioVdc struct {
	Name        string   `json:"name"`
	VmsAll      []string `json:"vmsAll"`
	VmsDeployed []string `json:"vmsDeployed"`
	// Network: the VDC's org VDC network (Vdc.GetOrgVdcNetworkByName, GetNetworkList).
	Network string `json:"network"`
	// VApp: a vApp of the VDC with a VM on that network, whose vApp network bridged to it is read by name
	// (VApp.GetVappNetworkByName: the NetworkConfig's link, then the VAppNetwork); "" when there is none.
	VApp string `json:"vapp"`
}

type summary struct {
	Client     string            `json:"client"`
	Module     string            `json:"module"`
	Version    string            `json:"version"`
	Go         string            `json:"go"`
	APIVersion string            `json:"apiVersion"`
	Org        string            `json:"org"`
	User       string            `json:"user"`
	Sysadmin   bool              `json:"sysadmin"`
	Steps      []string          `json:"steps"`
	Counts     map[string]int    `json:"counts"`
	Errors     map[string]string `json:"expectedErrors"`
	ElapsedMs  int64             `json:"elapsedMs"`
}

type runner struct {
	apiURL  url.URL
	sc      Scenario
	rec     *recorder
	sum     summary
	started time.Time
	// tmp holds the token file: removed on every exit path (os.Exit skips defers).
	tmp string
}

var (
	uuidRe      = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	orgHrefRe   = regexp.MustCompile(`^https://.+/api/org/` + uuidRe + `$`)
	vdcHrefRe   = regexp.MustCompile(`^https://.+/api/vdc/` + uuidRe + `$`)
	orgIdRe     = regexp.MustCompile(`^urn:vcloud:org:` + uuidRe + `$`)
	vdcIdRe     = regexp.MustCompile(`^urn:vcloud:vdc:` + uuidRe + `$`)
	networkIdRe = regexp.MustCompile(`^urn:vcloud:network:` + uuidRe + `$`)
	groupIdRe   = regexp.MustCompile(`^urn:vcloud:group:` + uuidRe + `$`)
	tokenIdRe   = regexp.MustCompile(`^urn:vcloud:token:` + uuidRe + `$`)
)

func main() {
	baseURL := flag.String("url", "", "Tessera root URL, e.g. https://127.0.0.1:8443 (\"/api\" is appended)")
	expectPath := flag.String("expect", "", "scenario JSON file")
	timeout := flag.Duration("timeout", 180*time.Second, "overall deadline")
	summaryPath := flag.String("summary", "", "also write the JSON summary to this file")
	flag.Parse()

	if *baseURL == "" || *expectPath == "" {
		fmt.Fprintln(os.Stderr, "usage: govcd-conformance -url https://HOST:PORT -expect scenario.json")
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
	u, err := url.Parse(strings.TrimRight(*baseURL, "/") + "/api")
	if err != nil || u.Scheme != "https" {
		fatalf("-url must be an https URL, got %q", *baseURL)
	}

	tmp, err := os.MkdirTemp("", "govcd-conformance-")
	if err != nil {
		fatalf("cannot create a temp dir: %v", err)
	}
	r := &runner{apiURL: *u, sc: sc, rec: &recorder{}, started: time.Now(), tmp: tmp}
	defer r.cleanup()
	time.AfterFunc(*timeout, func() {
		fmt.Fprintf(os.Stderr, "FAIL [%s]: overall timeout of %s exceeded in step %q\n", moduleLabel(), *timeout, r.rec.currentStep())
		fmt.Fprintf(os.Stderr, "Last HTTP exchanges:\n%s", r.rec.dump(""))
		r.cleanup()
		os.Exit(3)
	})
	r.sum = summary{
		Client: "go-vcloud-director", Module: govcdModulePath, Version: moduleVersion(), Go: runtime.Version(),
		Org: sc.Org, User: sc.User, Sysadmin: sc.Sysadmin, Counts: map[string]int{}, Errors: map[string]string{},
	}
	r.run()

	r.sum.ElapsedMs = time.Since(r.started).Milliseconds()
	out, _ := json.Marshal(r.sum)
	if *summaryPath != "" {
		if err := os.WriteFile(*summaryPath, out, 0o600); err != nil {
			r.cleanup()
			fatalf("cannot write summary: %v", err)
		}
	}
	fmt.Printf("GOVCD-CONFORMANCE-SUMMARY %s\n", out)
}

func (r *runner) run() {
	sc := r.sc
	tmp := r.tmp

	// 1. Password sign-in: POST /cloudapi/1.0.0/sessions[/provider] with Basic auth.
	var admin *VCDClient
	r.step("Authenticate (password sign-in)", func() error {
		admin = r.newClient()
		if err := admin.Authenticate(sc.User, sc.Password, sc.Org); err != nil {
			return err
		}
		r.sum.APIVersion = admin.Client.APIVersion
		if admin.Client.IsSysAdmin != sc.Sysadmin {
			return fmt.Errorf("IsSysAdmin = %v, want %v", admin.Client.IsSysAdmin, sc.Sysadmin)
		}
		if len(admin.Client.VCDToken) <= 32 {
			return fmt.Errorf("session token is %d chars; govcd treats <= 32 as a legacy token", len(admin.Client.VCDToken))
		}
		return nil
	})

	// 2. CreateToken = POST /oauth/.../register + GET /cloudapi/1.0.0/tokens/urn:vcloud:token:<client_id>.
	major := govcdModulePath[strings.LastIndex(govcdModulePath, "/")+1:]
	tokenName := fmt.Sprintf("conformance-%s-%s-%d", major, sc.User, time.Now().UnixNano())
	var tok *Token
	r.step("CreateToken", func() error {
		var err error
		tok, err = admin.CreateToken(sc.Org, tokenName)
		if err != nil {
			return err
		}
		t := tok.Token
		switch {
		case !tokenIdRe.MatchString(t.ID):
			return fmt.Errorf("token id %q is not urn:vcloud:token:<lowercase uuid>", t.ID)
		case t.Name != tokenName:
			return fmt.Errorf("token name %q, want %q", t.Name, tokenName)
		case t.Type != "REFRESH":
			return fmt.Errorf("token type %q, want REFRESH", t.Type)
		case t.Owner == nil || t.Owner.Name != sc.User:
			return fmt.Errorf("token owner %+v, want name %q", t.Owner, sc.User)
		case t.Org == nil || !strings.EqualFold(t.Org.Name, sc.Org):
			return fmt.Errorf("token org %+v, want name %q", t.Org, sc.Org)
		}
		return nil
	})

	// 3. The jwt-bearer grant returns the API token once.
	var apiToken string
	r.step("GetInitialApiToken", func() error {
		initial, err := tok.GetInitialApiToken()
		if err != nil {
			return err
		}
		if initial.RefreshToken == "" {
			return errors.New("refresh_token (the API token) is empty")
		}
		if initial.TokenType != "Bearer" {
			return fmt.Errorf("token_type %q, want Bearer", initial.TokenType)
		}
		if initial.AccessToken == "" {
			return errors.New("access_token is empty")
		}
		apiToken = initial.RefreshToken
		return nil
	})
	r.step("second GetInitialApiToken fails", func() error {
		again, err := tok.GetInitialApiToken()
		if err == nil {
			return fmt.Errorf("a second jwt-bearer grant for the same client_id succeeded (refresh_token empty: %v)", again.RefreshToken == "")
		}
		r.sum.Errors["secondInitialApiToken"] = err.Error()
		return nil
	})

	// 4. The three API-token entry points, each on a fresh client.
	var viaSetApiToken, viaSetToken, viaFile *VCDClient
	var accessBeforeRevoke string
	r.step("SetApiToken(org, token)", func() error {
		viaSetApiToken = r.newClient()
		refresh, err := viaSetApiToken.SetApiToken(sc.Org, apiToken)
		if err != nil {
			return err
		}
		if err := checkRefreshResponse(refresh, apiToken); err != nil {
			return err
		}
		if viaSetApiToken.Client.VCDToken != refresh.AccessToken {
			return errors.New("client does not carry the access token it was given")
		}
		if viaSetApiToken.Client.IsSysAdmin != sc.Sysadmin {
			return fmt.Errorf("IsSysAdmin = %v, want %v", viaSetApiToken.Client.IsSysAdmin, sc.Sysadmin)
		}
		accessBeforeRevoke = refresh.AccessToken
		return nil
	})
	r.step("SetToken(org, ApiTokenHeader, token)", func() error {
		viaSetToken = r.newClient()
		if err := viaSetToken.SetToken(sc.Org, ApiTokenHeader, apiToken); err != nil {
			return err
		}
		if !viaSetToken.Client.UsingAccessToken {
			return errors.New("UsingAccessToken is false after SetToken(ApiTokenHeader)")
		}
		if len(viaSetToken.Client.VCDToken) <= 32 {
			return fmt.Errorf("access token is %d chars, must be > 32", len(viaSetToken.Client.VCDToken))
		}
		return nil
	})
	tokenFile := filepath.Join(tmp, "token.json")
	r.step("SetApiTokenFromFile", func() error {
		content, _ := json.Marshal(map[string]string{"refresh_token": apiToken})
		if err := os.WriteFile(tokenFile, content, 0o600); err != nil {
			return err
		}
		viaFile = r.newClient()
		refresh, err := viaFile.SetApiTokenFromFile(sc.Org, tokenFile)
		if err != nil {
			return err
		}
		if err := checkRefreshResponse(refresh, apiToken); err != nil {
			return err
		}
		after, err := os.ReadFile(tokenFile)
		if err != nil {
			return err
		}
		if string(after) != string(content) {
			return fmt.Errorf("token file was rewritten: %s", after)
		}
		return nil
	})

	// 5. Reads, the way Terraform's provider (SetToken + ApiTokenHeader) does them.
	r.readAll(viaSetToken, "SetToken client")
	r.step("GetOrgList via the SetApiToken client", func() error {
		list, err := viaSetApiToken.GetOrgList()
		if err != nil {
			return err
		}
		return sameNames("org list", orgNames(list.Org), sc.OrgList)
	})
	r.step("client.QueryVmList(all) via the SetApiTokenFromFile client", func() error {
		vms, err := viaFile.Client.QueryVmList(VmQueryFilterAll)
		if err != nil {
			return err
		}
		return sameNames("VMs", vmNames(vms), sc.VmsAll)
	})

	// 6. CAPVCD / CPI: SetToken("system") first, then the user's org on the same client, API version 37.2.
	r.step("CAPVCD fallback: SetToken(system) then SetToken(org)", func() error {
		capvcd := r.newClient()
		capvcd.Client.APIVersion = "37.2"
		err := capvcd.SetToken("system", ApiTokenHeader, apiToken)
		if sc.Sysadmin {
			if err != nil {
				return fmt.Errorf("a System token was refused at /oauth/provider/token: %v", err)
			}
			if !capvcd.Client.IsSysAdmin {
				return errors.New("IsSysAdmin is false after SetToken(system)")
			}
		} else {
			if err == nil {
				return errors.New("a tenant API token was accepted at /oauth/provider/token: CAPVCD/CPI would believe they are system administrator")
			}
			r.sum.Errors["tenantTokenAsSystem"] = err.Error()
			if err := capvcd.SetToken(sc.Org, ApiTokenHeader, apiToken); err != nil {
				return fmt.Errorf("tenant fallback failed: %v", err)
			}
			if capvcd.Client.IsSysAdmin {
				return errors.New("IsSysAdmin is true after the tenant fallback")
			}
		}
		// What CPI does next: GetOrgByName + GetVDCByNameOrId.
		if len(sc.Orgs) > 0 && len(sc.Orgs[0].Vdcs) > 0 {
			org, err := capvcd.GetOrgByName(sc.Orgs[0].Name)
			if err != nil {
				return fmt.Errorf("GetOrgByName(%q): %v", sc.Orgs[0].Name, err)
			}
			vdc, err := org.GetVDCByNameOrId(sc.Orgs[0].Vdcs[0].Name, true)
			if err != nil {
				return fmt.Errorf("GetVDCByNameOrId(%q): %v", sc.Orgs[0].Vdcs[0].Name, err)
			}
			if vdc.Vdc.Name != sc.Orgs[0].Vdcs[0].Name {
				return fmt.Errorf("VDC name %q, want %q", vdc.Vdc.Name, sc.Orgs[0].Vdcs[0].Name)
			}
		}
		return nil
	})
	for _, foreign := range sc.ForeignOrgs {
		r.step(fmt.Sprintf("token refused at /oauth/tenant/%s/token", foreign), func() error {
			_, err := r.newClient().SetApiToken(foreign, apiToken)
			if err == nil {
				return fmt.Errorf("an API token of org %q was accepted for org %q", sc.Org, foreign)
			}
			r.sum.Errors["foreignOrg:"+foreign] = err.Error()
			return nil
		})
	}

	// 7. Token lookups, then revocation.
	r.step("GetTokenById", func() error {
		found, err := admin.GetTokenById(tok.Token.ID)
		if err != nil {
			return err
		}
		if found.Token.ID != tok.Token.ID || found.Token.Name != tokenName || found.Token.Type != "REFRESH" {
			return fmt.Errorf("got %+v, want id %s name %s type REFRESH", *found.Token, tok.Token.ID, tokenName)
		}
		return nil
	})
	r.step("GetTokenByNameAndUsername", func() error {
		found, err := admin.GetTokenByNameAndUsername(tokenName, sc.User)
		if err != nil {
			return err
		}
		if found.Token.ID != tok.Token.ID {
			return fmt.Errorf("found token id %s, want %s", found.Token.ID, tok.Token.ID)
		}
		return nil
	})
	r.step("token.Delete()", func() error { return tok.Delete() })

	r.step("refresh after revocation fails with invalid_grant", func() error {
		_, err := r.newClient().SetApiToken(sc.Org, apiToken)
		if err == nil {
			return errors.New("a revoked API token was exchanged for an access token")
		}
		if !strings.Contains(err.Error(), "invalid_grant") {
			return fmt.Errorf("error does not carry invalid_grant: %v", err)
		}
		r.sum.Errors["refreshAfterRevoke"] = err.Error()
		return nil
	})
	r.step("SetApiTokenFromFile after revocation fails with invalid_grant", func() error {
		_, err := r.newClient().SetApiTokenFromFile(sc.Org, tokenFile)
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			return fmt.Errorf("want an invalid_grant error, got %v", err)
		}
		return nil
	})
	r.step("access token obtained before revocation gets 401 (GetOrgList)", func() error {
		if viaSetApiToken.Client.VCDToken != accessBeforeRevoke {
			return errors.New("internal: the SetApiToken client changed its access token")
		}
		_, err := viaSetApiToken.GetOrgList()
		if err == nil {
			return errors.New("GET /api/org with an access token of a revoked API token succeeded")
		}
		if !strings.Contains(err.Error(), "401") {
			return fmt.Errorf("want an API Error 401, got: %v", err)
		}
		r.sum.Errors["accessAfterRevoke"] = err.Error()
		return nil
	})
	r.step("access token obtained before revocation gets 401 (QueryVmList)", func() error {
		_, err := viaSetToken.Client.QueryVmList(VmQueryFilterAll)
		if err == nil || !strings.Contains(err.Error(), "401") {
			return fmt.Errorf("want an API Error 401 from GET /api/query, got: %v", err)
		}
		return nil
	})
	r.step("GetTokenById after Delete: entity not found", func() error {
		_, err := admin.GetTokenById(tok.Token.ID)
		if err == nil {
			return errors.New("the deleted token is still returned")
		}
		if !ContainsNotFound(err) {
			return fmt.Errorf("want [ENF] entity not found (HTTP 403 from /cloudapi), got: %v", err)
		}
		return nil
	})
	r.step("GetTokenByNameAndUsername after Delete: entity not found", func() error {
		_, err := admin.GetTokenByNameAndUsername(tokenName, sc.User)
		if err == nil || !ContainsNotFound(err) {
			return fmt.Errorf("want [ENF] entity not found, got: %v", err)
		}
		return nil
	})
	r.step("the password session survives the revocation", func() error {
		list, err := admin.GetOrgList()
		if err != nil {
			return err
		}
		return sameNames("org list", orgNames(list.Org), sc.OrgList)
	})

	// 8. Service accounts (VCD 10.4): service_accounts.go.
	r.serviceAccounts(admin)
	// 6. The System administrator creates, changes, disables and deletes an org and its user (orgadmin.go).
	if sc.ManageOrgs {
		r.orgAdmin(admin)
	}
	if sc.DeleteCatalog != nil {
		r.deleteCatalog(admin, *sc.DeleteCatalog)
	}
}

// readCatalog: Org.GetCatalogByName and GetCatalogById (the catalog query by id), Catalog.QueryCatalogItemList
// (catalogItem, or adminCatalogItem for the provider, by catalog==<urn>), GetCatalogItemByName, the item's
// GetMetadata and GetVAppTemplate.
func (r *runner) readCatalog(org *Org, want ScenarioCatalog) error {
	cat, err := org.GetCatalogByName(want.Name, false)
	if err != nil {
		return err
	}
	byId, err := org.GetCatalogById(cat.Catalog.ID, false)
	if err != nil {
		return fmt.Errorf("GetCatalogById(%s): %w", cat.Catalog.ID, err)
	}
	if byId.Catalog.HREF != cat.Catalog.HREF {
		return fmt.Errorf("GetCatalogById found %q, GetCatalogByName %q", byId.Catalog.HREF, cat.Catalog.HREF)
	}
	items, err := cat.QueryCatalogItemList()
	if err != nil {
		return fmt.Errorf("QueryCatalogItemList: %w", err)
	}
	var names []string
	for _, item := range items {
		if item.CatalogName != want.Name || item.EntityType != "vapptemplate" || item.Entity == "" {
			return fmt.Errorf("catalog item record %+v: want catalogName %q, entityType vapptemplate and an entity", *item, want.Name)
		}
		names = append(names, item.Name)
	}
	if err := sameNames("QueryCatalogItemList", names, want.Items); err != nil {
		return err
	}
	item, err := cat.GetCatalogItemByName(want.Items[0], false)
	if err != nil {
		return fmt.Errorf("GetCatalogItemByName(%s): %w", want.Items[0], err)
	}
	metadata, err := item.GetMetadata()
	if err != nil {
		return fmt.Errorf("CatalogItem.GetMetadata: %w", err)
	}
	if len(metadata.MetadataEntry) != 0 {
		return fmt.Errorf("CatalogItem.GetMetadata: %d entries, want none", len(metadata.MetadataEntry))
	}
	template, err := item.GetVAppTemplate()
	if err != nil {
		return fmt.Errorf("CatalogItem.GetVAppTemplate: %w", err)
	}
	if template.VAppTemplate.Name != want.Items[0] {
		return fmt.Errorf("the item's template is %q, want %q", template.VAppTemplate.Name, want.Items[0])
	}
	access, err := cat.GetAccessControl(false)
	if err != nil {
		return fmt.Errorf("Catalog.GetAccessControl: %w", err)
	}
	return sharedReadOnly("catalog "+want.Name, access)
}

// sharedReadOnly: what Tessera answers for every entity's access control (shared with its org, read only).
func sharedReadOnly(what string, access *ControlAccessParams) error {
	if !access.IsSharedToEveryone || access.EveryoneAccessLevel == nil || *access.EveryoneAccessLevel != "ReadOnly" {
		return fmt.Errorf("%s: ControlAccessParams %+v, want shared to everyone, ReadOnly", what, *access)
	}
	return nil
}

// deleteCatalog: AdminCatalog.Delete(force, recursive), which lists the catalog's items (catalogItem query) to wait
// on their tasks, then decodes the DELETE's answer as a Task and waits on it; the catalog is then not found.
func (r *runner) deleteCatalog(c *VCDClient, want ScenarioDeleteCatalog) {
	r.step(fmt.Sprintf("AdminCatalog(%s/%s).Delete(force, recursive)", want.Org, want.Name), func() error {
		adminOrg, err := c.GetAdminOrgByName(want.Org)
		if err != nil {
			return err
		}
		cat, err := adminOrg.GetAdminCatalogByName(want.Name, true)
		if err != nil {
			return err
		}
		items, err := cat.QueryCatalogItemList()
		if err != nil {
			return fmt.Errorf("QueryCatalogItemList: %w", err)
		}
		if len(items) != 1 || items[0].Name != want.Item {
			return fmt.Errorf("QueryCatalogItemList: %d item(s), want the one %q", len(items), want.Item)
		}
		if err := cat.Delete(true, true); err != nil {
			return fmt.Errorf("Delete(true, true): %w", err)
		}
		if _, err := adminOrg.GetAdminCatalogByName(want.Name, true); !ContainsNotFound(err) {
			return fmt.Errorf("after Delete, GetAdminCatalogByName = %v, want ErrorEntityNotFound", err)
		}
		return nil
	})
}

// readAll checks GetOrgList, GetOrgByName, GetAdminOrgByName, GetVDCByName and the VM queries.
func (r *runner) readAll(c *VCDClient, label string) {
	sc := r.sc
	r.step("GetOrgList", func() error {
		list, err := c.GetOrgList()
		if err != nil {
			return err
		}
		for _, o := range list.Org {
			if !orgHrefRe.MatchString(o.HREF) {
				return fmt.Errorf("org %q href %q is not https://HOST/api/org/<uuid>", o.Name, o.HREF)
			}
		}
		r.sum.Counts["orgList"] = len(list.Org)
		return sameNames("org list", orgNames(list.Org), sc.OrgList)
	})
	for _, want := range sc.Orgs {
		var org *Org
		r.step(fmt.Sprintf("GetOrgByName(%s)", want.Name), func() error {
			var err error
			org, err = c.GetOrgByName(want.Name)
			if err != nil {
				return err
			}
			o := org.Org
			switch {
			case o.Name != want.Name:
				return fmt.Errorf("name %q, want %q", o.Name, want.Name)
			case !orgIdRe.MatchString(o.ID):
				return fmt.Errorf("id %q is not urn:vcloud:org:<uuid>", o.ID)
			case !orgHrefRe.MatchString(o.HREF):
				return fmt.Errorf("href %q is not https://HOST/api/org/<uuid>", o.HREF)
			}
			return nil
		})
		r.step(fmt.Sprintf("GetAdminOrgByName(%s)", want.Name), func() error {
			adminOrg, err := c.GetAdminOrgByName(want.Name)
			if err != nil {
				return err
			}
			if adminOrg.AdminOrg.Name != want.Name {
				return fmt.Errorf("name %q, want %q", adminOrg.AdminOrg.Name, want.Name)
			}
			if adminOrg.AdminOrg.ID != org.Org.ID {
				return fmt.Errorf("admin org id %q differs from org id %q", adminOrg.AdminOrg.ID, org.Org.ID)
			}
			return nil
		})
		for _, wantGroup := range want.Groups {
			r.step(fmt.Sprintf("adminOrg(%s).GetGroupByName(%s), GetGroupById", want.Name, wantGroup.Name), func() error {
				adminOrg, err := c.GetAdminOrgByName(want.Name)
				if err != nil {
					return err
				}
				group, err := adminOrg.GetGroupByName(wantGroup.Name, false)
				if err != nil {
					return err
				}
				g := group.Group
				role := ""
				if g.Role != nil {
					role = g.Role.Name
				}
				var users []string
				if g.UsersList != nil {
					for _, u := range g.UsersList.UserReference {
						users = append(users, u.Name)
					}
				}
				switch {
				case g.Name != wantGroup.Name || !groupIdRe.MatchString(g.ID):
					return fmt.Errorf("group read as %q, id %q", g.Name, g.ID)
				case role != wantGroup.Role:
					return fmt.Errorf("role %q, want %q", role, wantGroup.Role)
				case g.UsersList == nil:
					return errors.New("UsersList missing (Terraform ranges over it without a check)")
				case strings.Join(users, ",") != strings.Join(wantGroup.Users, ","):
					return fmt.Errorf("users %q, want %q", users, wantGroup.Users)
				case g.ProviderType == "":
					return errors.New("ProviderType missing")
				}
				byId, err := adminOrg.GetGroupById(g.ID, false)
				if err != nil {
					return err
				}
				if byId.Group.Href != g.Href {
					return fmt.Errorf("GetGroupById found %q, GetGroupByName %q", byId.Group.Href, g.Href)
				}
				if _, err := adminOrg.GetGroupByName("conformance-no-such-group", false); !ContainsNotFound(err) {
					return fmt.Errorf("GetGroupByName(missing) = %v, want ErrorEntityNotFound", err)
				}
				return nil
			})
		}
		for _, wantVdc := range want.Vdcs {
			var vdc *Vdc
			r.step(fmt.Sprintf("org(%s).GetVDCByName(%s)", want.Name, wantVdc.Name), func() error {
				var err error
				vdc, err = org.GetVDCByName(wantVdc.Name, false)
				if err != nil {
					return err
				}
				v := vdc.Vdc
				switch {
				case v.Name != wantVdc.Name:
					return fmt.Errorf("name %q, want %q", v.Name, wantVdc.Name)
				case !vdcIdRe.MatchString(v.ID):
					return fmt.Errorf("id %q is not urn:vcloud:vdc:<uuid>", v.ID)
				case !vdcHrefRe.MatchString(v.HREF):
					return fmt.Errorf("href %q is not https://HOST/api/vdc/<uuid>", v.HREF)
				}
				access, err := vdc.GetControlAccess(false)
				if err != nil {
					return fmt.Errorf("Vdc.GetControlAccess: %w", err)
				}
				return sharedReadOnly("VDC "+wantVdc.Name, access)
			})
			r.step(fmt.Sprintf("vdc(%s/%s).GetOrgVdcNetworkByName(%s), GetNetworkList()", want.Name, wantVdc.Name, wantVdc.Network), func() error {
				network, err := vdc.GetOrgVdcNetworkByName(wantVdc.Network, true)
				if err != nil {
					return err
				}
				n := network.OrgVDCNetwork
				switch {
				case n.Name != wantVdc.Network:
					return fmt.Errorf("name %q, want %q", n.Name, wantVdc.Network)
				case !networkIdRe.MatchString(n.ID):
					return fmt.Errorf("id %q is not urn:vcloud:network:<uuid>", n.ID)
				case n.Configuration == nil || n.Configuration.FenceMode != "isolated":
					return fmt.Errorf("configuration %+v, want FenceMode isolated", n.Configuration)
				}
				list, err := vdc.GetNetworkList()
				if err != nil {
					return err
				}
				if len(list) != 1 {
					return fmt.Errorf("GetNetworkList() %d record(s), want one: %q", len(list), wantVdc.Network)
				}
				if got := list[0]; got.Name != wantVdc.Network || got.HREF != n.HREF || got.LinkType != 2 {
					return fmt.Errorf("GetNetworkList() record %+v; want isolated (linkType 2) %q at %s", *got, wantVdc.Network, n.HREF)
				}
				if _, err := vdc.GetOrgVdcNetworkByName("conformance-no-such-network", false); !ContainsNotFound(err) {
					return fmt.Errorf("GetOrgVdcNetworkByName(missing) = %v, want ErrorEntityNotFound", err)
				}
				return nil
			})
			if wantVdc.VApp != "" {
				r.step(fmt.Sprintf("vdc(%s/%s).GetVAppByName(%s).GetVappNetworkByName(%s)", want.Name, wantVdc.Name, wantVdc.VApp, wantVdc.Network), func() error {
					vapp, err := vdc.GetVAppByName(wantVdc.VApp, true)
					if err != nil {
						return err
					}
					access, err := vapp.GetAccessControl(false)
					if err != nil {
						return fmt.Errorf("VApp.GetAccessControl: %w", err)
					}
					if err := sharedReadOnly("vApp "+wantVdc.VApp, access); err != nil {
						return err
					}
					n, err := vapp.GetVappNetworkByName(wantVdc.Network, false)
					if err != nil {
						return err
					}
					switch {
					case n.Name != wantVdc.Network:
						return fmt.Errorf("name %q, want %q", n.Name, wantVdc.Network)
					case !networkIdRe.MatchString(n.ID):
						return fmt.Errorf("id %q is not urn:vcloud:network:<uuid>", n.ID)
					case n.Configuration == nil || n.Configuration.FenceMode != "bridged":
						return fmt.Errorf("configuration %+v, want FenceMode bridged", n.Configuration)
					case n.Configuration.ParentNetwork == nil || n.Configuration.ParentNetwork.Name != wantVdc.Network:
						return fmt.Errorf("parent network %+v, want the org VDC network %q", n.Configuration.ParentNetwork, wantVdc.Network)
					}
					if _, err := vapp.GetVappNetworkByName("conformance-no-such-network", false); !ContainsNotFound(err) {
						return fmt.Errorf("GetVappNetworkByName(missing) = %v, want ErrorEntityNotFound", err)
					}
					return nil
				})
			}
			for _, q := range []struct {
				label  string
				filter VmQueryFilter
				want   []string
			}{{"all", VmQueryFilterAll, wantVdc.VmsAll}, {"only deployed", VmQueryFilterOnlyDeployed, wantVdc.VmsDeployed}} {
				r.step(fmt.Sprintf("vdc(%s/%s).QueryVmList(%s)", want.Name, wantVdc.Name, q.label), func() error {
					vms, err := vdc.QueryVmList(q.filter)
					if err != nil {
						return err
					}
					if err := checkVmRecords(vms, q.filter == VmQueryFilterOnlyDeployed); err != nil {
						return err
					}
					for _, vm := range vms {
						if vm.VdcHREF != vdc.Vdc.HREF || vm.VdcName != wantVdc.Name {
							return fmt.Errorf("VM %q has vdc=%q vdcName=%q, want %q / %q", vm.Name, vm.VdcHREF, vm.VdcName, vdc.Vdc.HREF, wantVdc.Name)
						}
					}
					r.sum.Counts[fmt.Sprintf("vdc:%s/%s:%s", want.Name, wantVdc.Name, q.label)] = len(vms)
					return sameNames("VMs", vmNames(vms), q.want)
				})
			}
		}
		for _, wantCatalog := range want.Catalogs {
			r.step(fmt.Sprintf("org(%s) catalog %s: GetCatalogByName, GetCatalogById, QueryCatalogItemList, CatalogItem.GetMetadata", want.Name, wantCatalog.Name), func() error {
				return r.readCatalog(org, wantCatalog)
			})
		}
		r.step(fmt.Sprintf("org(%s).GetVDCByName(missing) is not found", want.Name), func() error {
			_, err := org.GetVDCByName("conformance-no-such-vdc", false)
			if err == nil || !ContainsNotFound(err) {
				return fmt.Errorf("want [ENF] entity not found, got: %v", err)
			}
			return nil
		})
	}
	for _, hidden := range sc.InvisibleOrgs {
		r.step(fmt.Sprintf("GetOrgByName(%s) is not found", hidden), func() error {
			_, err := c.GetOrgByName(hidden)
			if err == nil {
				return fmt.Errorf("org %q is visible to %s@%s", hidden, sc.User, sc.Org)
			}
			if !ContainsNotFound(err) {
				return fmt.Errorf("want [ENF] entity not found, got: %v", err)
			}
			return nil
		})
	}
	for _, q := range []struct {
		label  string
		filter VmQueryFilter
		want   []string
	}{{"all", VmQueryFilterAll, sc.VmsAll}, {"only deployed", VmQueryFilterOnlyDeployed, sc.VmsDeployed}} {
		r.step(fmt.Sprintf("client.QueryVmList(%s)", q.label), func() error {
			vms, err := c.Client.QueryVmList(q.filter)
			if err != nil {
				return err
			}
			if err := checkVmRecords(vms, q.filter == VmQueryFilterOnlyDeployed); err != nil {
				return err
			}
			r.sum.Counts["client:"+q.label] = len(vms)
			return sameNames("VMs", vmNames(vms), q.want)
		})
	}
	// What Terraform's data sources with a filter block do (vcd_catalog_vapp_template, vcd_vm...): a search by name
	// regex, then by a metadata key no entity has, both through the query's fields (the default) and through the
	// server's filter (use_api_search). Each was a 400 until 2026-12-05.
	for _, search := range []struct {
		label, queryType    string
		metadata, apiFilter bool
	}{
		{"vAppTemplate by name", QtVappTemplate, false, false},
		{"vm by metadata (fields)", QtVm, true, false},
		{"vm by metadata (api filter)", QtVm, true, true},
		{"vAppTemplate by metadata (fields)", QtVappTemplate, true, false},
	} {
		r.step("client.SearchByFilter("+search.label+")", func() error {
			criteria := NewFilterDef()
			if err := criteria.AddFilter(FilterNameRegex, "."); err != nil {
				return err
			}
			if search.metadata {
				if err := criteria.AddMetadataFilter("tessera-conformance-absent", "x", "STRING", false, search.apiFilter); err != nil {
					return err
				}
			}
			items, _, err := c.Client.SearchByFilter(search.queryType, criteria)
			if err != nil {
				return err
			}
			r.sum.Counts["search:"+search.label] = len(items)
			if search.metadata && len(items) != 0 {
				return fmt.Errorf("%d items carry metadata no entity has", len(items))
			}
			return nil
		})
	}
}

func (r *runner) newClient() *VCDClient {
	c := NewVCDClient(r.apiURL, true, WithHttpTimeout(30))
	c.Client.Http.Transport = &recordingTransport{inner: c.Client.Http.Transport, rec: r.rec}
	return c
}

func (r *runner) step(name string, fn func() error) {
	r.rec.setStep(name)
	started := time.Now()
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic in go-vcloud-director: %v\n%s", p, debug.Stack())
			}
		}()
		return fn()
	}()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL [%s %s as %s@%s] step %q: %v\n", govcdModulePath, moduleVersion(), r.sc.User, r.sc.Org, name, err)
		fmt.Fprintf(os.Stderr, "Last HTTP exchanges of this step:\n%s", r.rec.dump(name))
		r.cleanup()
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "ok   %-70s %4dms\n", name, time.Since(started).Milliseconds())
	r.sum.Steps = append(r.sum.Steps, name)
}

func (r *runner) cleanup() {
	if r.tmp != "" {
		_ = os.RemoveAll(r.tmp)
	}
}

func checkRefreshResponse(refresh *ApiTokenRefresh, apiToken string) error {
	switch {
	case refresh.TokenType != "Bearer":
		return fmt.Errorf("token_type %q, want Bearer", refresh.TokenType)
	case refresh.ExpiresIn <= 0:
		return fmt.Errorf("expires_in %d, want > 0", refresh.ExpiresIn)
	case len(refresh.AccessToken) <= 32:
		return fmt.Errorf("access_token is %d chars, must be > 32", len(refresh.AccessToken))
	case refresh.RefreshToken != "" && refresh.RefreshToken != apiToken:
		return errors.New("the refresh grant rotated a user API token (a new refresh_token came back); clients never save it")
	}
	return nil
}

func checkVmRecords(vms []*VMRecord, onlyDeployed bool) error {
	for _, vm := range vms {
		if vm.Name == "" || !strings.HasPrefix(vm.HREF, "https://") {
			return fmt.Errorf("VM record without name or https href: %+v", *vm)
		}
		if onlyDeployed && vm.VAppTemplate {
			return fmt.Errorf("VM %q is a template (isVAppTemplate=true) but the filter was isVAppTemplate==false", vm.Name)
		}
	}
	return nil
}

func sameNames(what string, got, want []string) error {
	g := append([]string(nil), got...)
	w := append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, "\x00") == strings.Join(w, "\x00") {
		return nil
	}
	missing, extra := diff(w, g), diff(g, w)
	return fmt.Errorf("%s: got %d, want %d; missing %s; unexpected %s", what, len(g), len(w), short(missing), short(extra))
}

// diff returns the elements of a (sorted) not matched in b (sorted), as multisets.
func diff(a, b []string) []string {
	var out []string
	i, j := 0, 0
	for i < len(a) {
		switch {
		case j >= len(b) || a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] == b[j]:
			i++
			j++
		default:
			j++
		}
	}
	return out
}

func short(names []string) string {
	if len(names) > 12 {
		return fmt.Sprintf("%q… (%d in all)", names[:12], len(names))
	}
	return fmt.Sprintf("%q", names)
}

func orgNames(orgs []*orgRef) []string {
	out := make([]string, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, o.Name)
	}
	return out
}

func vmNames(vms []*VMRecord) []string {
	out := make([]string, 0, len(vms))
	for _, vm := range vms {
		out = append(out, vm.Name)
	}
	return out
}

func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == govcdModulePath {
				if dep.Replace != nil {
					return dep.Replace.Version
				}
				return dep.Version
			}
		}
	}
	return "unknown"
}

func moduleLabel() string { return govcdModulePath + " " + moduleVersion() }

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL [%s]: %s\n", moduleLabel(), fmt.Sprintf(format, args...))
	os.Exit(2)
}
