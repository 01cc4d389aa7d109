// Service accounts (VCD 10.4, issue 13) through go-vcloud-director's own calls, in the order of its
// Test_ServiceAccount: CreateServiceAccount -> Authorize -> Grant -> GetInitialApiToken (status CREATED ->
// REQUESTED -> GRANTED -> ACTIVE), SetServiceAccountApiToken twice (the token file rewritten with a new token
// each time), reads as the account, Revoke (-> CREATED; the rotated token is refused), Delete (-> not found).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

var serviceAccountIdRe = regexp.MustCompile(`^urn:vcloud:serviceAccount:` + uuidRe + `$`)

type tokenFile struct {
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	UpdatedBy    string `json:"updated_by"`
	UpdatedOn    string `json:"updated_on"`
}

func (r *runner) serviceAccounts(admin *VCDClient) {
	sc := r.sc
	major := govcdModulePath[strings.LastIndex(govcdModulePath, "/")+1:]
	name := fmt.Sprintf("conformance-sa-%s-%s-%d", major, sc.User, time.Now().UnixNano())
	// govcd's test scopes: a tenant role in an org, the System Administrator role in the System org.
	roleName := "vApp Author"
	if sc.Sysadmin {
		roleName = "System Administrator"
	}
	scope := "urn:vcloud:role:" + strings.ReplaceAll(roleName, " ", "%20")

	var sa *ServiceAccount
	status := func(want string) error {
		if err := sa.Refresh(); err != nil {
			return err
		}
		if sa.ServiceAccount.Status != want {
			return fmt.Errorf("status %q, want %q", sa.ServiceAccount.Status, want)
		}
		return nil
	}
	r.step("CreateServiceAccount", func() error {
		var err error
		sa, err = admin.CreateServiceAccount(sc.Org, name, scope, "12345678-1234-1234-1234-1234567890ab", "", "")
		if err != nil {
			return err
		}
		s := sa.ServiceAccount
		switch {
		case !serviceAccountIdRe.MatchString(s.ID):
			return fmt.Errorf("id %q is not urn:vcloud:serviceAccount:<lowercase uuid>", s.ID)
		case s.Name != name:
			return fmt.Errorf("name %q, want %q", s.Name, name)
		case s.Status != "CREATED":
			return fmt.Errorf("status %q, want CREATED", s.Status)
		case s.Role == nil || s.Role.Name != roleName:
			return fmt.Errorf("role %+v, want %q", s.Role, roleName)
		case s.Org == nil || !strings.EqualFold(s.Org.Name, sc.Org):
			return fmt.Errorf("org %+v, want %q", s.Org, sc.Org)
		}
		return nil
	})
	r.step("ServiceAccount.Authorize -> REQUESTED", func() error {
		if err := sa.Authorize(); err != nil {
			return err
		}
		return status("REQUESTED")
	})
	r.step("ServiceAccount.Grant -> GRANTED", func() error {
		if err := sa.Grant(); err != nil {
			return err
		}
		return status("GRANTED")
	})
	var first string
	r.step("ServiceAccount.GetInitialApiToken -> ACTIVE", func() error {
		initial, err := sa.GetInitialApiToken()
		if err != nil {
			return err
		}
		if initial.RefreshToken == "" || initial.TokenType != "Bearer" || len(initial.AccessToken) <= 32 || initial.ExpiresIn <= 0 {
			return fmt.Errorf("unexpected initial token answer: type %q, expires_in %d, refresh empty %v", initial.TokenType, initial.ExpiresIn, initial.RefreshToken == "")
		}
		first = initial.RefreshToken
		return status("ACTIVE")
	})

	file := filepath.Join(r.tmp, "service-account.json")
	seen := map[string]bool{first: true}
	var saClient *VCDClient
	for i := 1; i <= 2; i++ {
		r.step(fmt.Sprintf("SetServiceAccountApiToken #%d rewrites the token file with a new token", i), func() error {
			if i == 1 {
				content, _ := json.Marshal(map[string]string{"refresh_token": first})
				if err := os.WriteFile(file, content, 0o600); err != nil {
					return err
				}
			}
			saClient = r.newClient()
			if err := saClient.SetServiceAccountApiToken(sc.Org, file); err != nil {
				return err
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			var saved tokenFile
			if err := json.Unmarshal(raw, &saved); err != nil {
				return fmt.Errorf("token file is not JSON: %v", err)
			}
			switch {
			case saved.RefreshToken == "":
				return fmt.Errorf("the server returned no new refresh_token: %s", raw)
			case seen[saved.RefreshToken]:
				return fmt.Errorf("the refresh did not rotate: the token file holds a token seen before")
			case saved.TokenType != "Service Account":
				return fmt.Errorf("token_type in file %q, want \"Service Account\"", saved.TokenType)
			}
			seen[saved.RefreshToken] = true
			return nil
		})
	}
	r.step("GetOrgList as the service account", func() error {
		list, err := saClient.GetOrgList()
		if err != nil {
			return err
		}
		return sameNames("org list", orgNames(list.Org), sc.OrgList)
	})
	r.step("ServiceAccount.Revoke -> CREATED", func() error {
		if err := sa.Revoke(); err != nil {
			return err
		}
		return status("CREATED")
	})
	r.step("SetServiceAccountApiToken after Revoke fails with invalid_grant", func() error {
		err := r.newClient().SetServiceAccountApiToken(sc.Org, file)
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			return fmt.Errorf("want invalid_grant, got: %v", err)
		}
		r.sum.Errors["serviceAccountAfterRevoke"] = err.Error()
		return nil
	})
	r.step("GetOrgList with the service account's session after Revoke fails", func() error {
		if _, err := saClient.GetOrgList(); err == nil {
			return fmt.Errorf("the service account's session still works after Revoke")
		}
		return nil
	})
	r.step("ServiceAccount.Delete; GetServiceAccountById then fails", func() error {
		if err := sa.Delete(); err != nil {
			return err
		}
		org, err := admin.GetOrgByName(sc.Org)
		if err != nil {
			return err
		}
		if _, err := org.GetServiceAccountById(sa.ServiceAccount.ID); err == nil {
			return fmt.Errorf("the deleted service account is still found")
		}
		return nil
	})
}
