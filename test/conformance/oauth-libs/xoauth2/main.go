// golang.org/x/oauth2 (unmodified, from the Go module proxy) against Tessera, as a Go program drives any token
// server (test/conformance/oauth-libs.test.ts, docs/conformance.md):
//
//   - a user's API token as the refresh token of Config.TokenSource: the access token it trades for works as a
//     Bearer on GET /api/query?type=vm through oauth2.NewClient, an expired token is refreshed with the same API
//     token (Tessera answers "refresh_token": null and x/oauth2 keeps the one it has), and once the API token is
//     revoked (RFC 7009, a plain POST: x/oauth2 has no revocation call) Token() fails with a *RetrieveError;
//   - a service account's device flow: Config.DeviceAuth (with the administrator's Bearer, which Tessera requires
//     there), the grant made meanwhile by the administrator, Config.DeviceAccessToken polling through
//     authorization_pending, and a refresh that rotates the refresh token.
//
// The password sign-ins, RFC 7591 register and the jwt-bearer mint are plain net/http: x/oauth2 has none of them.
// Prints one `XOAUTH2-CONFORMANCE-SUMMARY {json}` line on success; a failed step prints `FAIL <step>: <why>`.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

const xmlAccept = "application/*+xml;version=36.1"

type runner struct {
	base, org, issuer string
	http              *http.Client
	meta              map[string]any
	steps             []string
	counts            map[string]int
}

func (r *runner) step(name string, fn func() (string, error)) {
	start := time.Now()
	detail, err := fn()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", name, err)
		os.Exit(1)
	}
	line := fmt.Sprintf("%s (%d ms)", name, time.Since(start).Milliseconds())
	if detail != "" {
		line += ": " + detail
	}
	r.steps = append(r.steps, line)
	fmt.Fprintf(os.Stderr, "ok  %s\n", line)
}

// bearerTransport adds an administrator's Bearer to the requests of one client (DeviceAuth's).
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (b bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(req)
}

func (r *runner) do(method, url, bearer, contentType string, body io.Reader, accept string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, nil, nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", accept)
	resp, err := r.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data, err
}

func (r *runner) signIn(user, password string) (string, error) {
	req, _ := http.NewRequest("POST", r.base+"/cloudapi/1.0.0/sessions", nil)
	req.SetBasicAuth(user+"@"+r.org, password)
	req.Header.Set("Accept", "application/json;version=36.1")
	resp, err := r.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("sign-in: HTTP %d %s", resp.StatusCode, b)
	}
	return resp.Header.Get("X-VMWARE-VCLOUD-ACCESS-TOKEN"), nil
}

func (r *runner) register(session string, body map[string]string) (string, error) {
	data, _ := json.Marshal(body)
	status, _, out, err := r.do("POST", r.meta["registration_endpoint"].(string), session, "application/json", strings.NewReader(string(data)), "application/json")
	if err != nil {
		return "", err
	}
	if status != 200 && status != 201 {
		return "", fmt.Errorf("register: HTTP %d %s", status, out)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(out, &reg); err != nil || reg.ClientID == "" {
		return "", fmt.Errorf("register: no client_id in %s", out)
	}
	return reg.ClientID, nil
}

// vmQuery is GET /api/query?type=vm through `client` (one oauth2.NewClient made), counting the VMRecords.
func vmQuery(base string, client *http.Client) (int, int, error) {
	req, _ := http.NewRequest("GET", base+"/api/query?type=vm&pageSize=128", nil)
	req.Header.Set("Accept", xmlAccept)
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, 0, nil
	}
	var page struct {
		Records []struct{} `xml:"VMRecord"`
	}
	if err := xml.Unmarshal(data, &page); err != nil {
		return resp.StatusCode, 0, fmt.Errorf("the query's XML: %v", err)
	}
	return resp.StatusCode, len(page.Records), nil
}

func main() {
	base := flag.String("url", "", "Tessera's base URL")
	org := flag.String("org", "", "the tenant org")
	user := flag.String("user", "", "an Organization Administrator of the org")
	passwordEnv := flag.String("password-env", "", "the variable holding the user's password")
	timeout := flag.Duration("timeout", 3*time.Minute, "bound of the whole run")
	flag.Parse()
	password := os.Getenv(*passwordEnv)
	if *base == "" || *org == "" || *user == "" || password == "" {
		fmt.Fprintln(os.Stderr, "FAIL usage: --url --org --user --password-env are required")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	// The test server's certificate is self-signed; no proxy for loopback.
	transport := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Proxy: nil}
	plain := &http.Client{Transport: transport, Timeout: time.Minute}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, plain)
	r := &runner{base: strings.TrimRight(*base, "/"), org: *org, http: plain, counts: map[string]int{}}
	r.issuer = r.base + "/oauth/tenant/" + url.PathEscape(*org)

	r.step("RFC 8414 metadata (net/http)", func() (string, error) {
		status, _, out, err := r.do("GET", r.base+"/.well-known/oauth-authorization-server/oauth/tenant/"+url.PathEscape(*org), "", "", nil, "application/json")
		if err != nil || status != 200 {
			return "", fmt.Errorf("HTTP %d %s %v", status, out, err)
		}
		if err := json.Unmarshal(out, &r.meta); err != nil {
			return "", err
		}
		if r.meta["issuer"] != r.issuer {
			return "", fmt.Errorf("issuer %v, want %s", r.meta["issuer"], r.issuer)
		}
		for _, k := range []string{"token_endpoint", "device_authorization_endpoint", "revocation_endpoint", "registration_endpoint"} {
			if s, _ := r.meta[k].(string); !strings.HasPrefix(s, r.issuer+"/") {
				return "", fmt.Errorf("%s %v", k, r.meta[k])
			}
		}
		return "", nil
	})
	// The endpoint as the metadata names it; AuthStyle left at its zero value (auto-detect), as most programs do.
	conf := &oauth2.Config{
		Endpoint: oauth2.Endpoint{
			TokenURL:      r.meta["token_endpoint"].(string),
			DeviceAuthURL: r.meta["device_authorization_endpoint"].(string),
		},
	}

	var session, apiToken string
	r.step("password sign-in, register, jwt-bearer mint (net/http)", func() (string, error) {
		var err error
		if session, err = r.signIn(*user, password); err != nil {
			return "", err
		}
		clientID, err := r.register(session, map[string]string{"client_name": fmt.Sprintf("conformance-xoauth2-%d", time.Now().UnixNano())})
		if err != nil {
			return "", err
		}
		form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {session}, "client_id": {clientID}}
		status, _, out, err := r.do("POST", conf.Endpoint.TokenURL, "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), "application/json")
		if err != nil || status != 200 {
			return "", fmt.Errorf("mint: HTTP %d %s %v", status, out, err)
		}
		var minted struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(out, &minted); err != nil || len(minted.RefreshToken) < 32 {
			return "", fmt.Errorf("mint: no API token in the answer")
		}
		apiToken = minted.RefreshToken
		return "", nil
	})

	var first *oauth2.Token
	r.step("Config.TokenSource(refresh token = API token).Token()", func() (string, error) {
		var err error
		first, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: apiToken}).Token()
		if err != nil {
			return "", err
		}
		switch {
		case first.AccessToken == "" || !strings.EqualFold(first.Type(), "Bearer"):
			return "", fmt.Errorf("token %q of type %q", first.AccessToken, first.Type())
		case first.Expiry.Before(time.Now().Add(30 * time.Second)):
			return "", fmt.Errorf("expiry %v is not in the future (expires_in read as 0?)", first.Expiry)
		case first.RefreshToken != apiToken:
			return "", fmt.Errorf("x/oauth2 did not keep the API token as its refresh token (got %d characters)", len(first.RefreshToken))
		}
		return fmt.Sprintf("expires in %s", time.Until(first.Expiry).Round(time.Second)), nil
	})

	r.step("oauth2.NewClient: GET /api/query?type=vm", func() (string, error) {
		status, n, err := vmQuery(r.base, oauth2.NewClient(ctx, oauth2.StaticTokenSource(first)))
		if err != nil || status != 200 || n == 0 {
			return "", fmt.Errorf("HTTP %d, %d VMRecords, %v", status, n, err)
		}
		r.counts["vms"] = n
		return fmt.Sprintf("%d VMRecords", n), nil
	})

	r.step("an expired token is refreshed with the same API token", func() (string, error) {
		expired := *first
		expired.Expiry = time.Now().Add(-time.Minute)
		ts := conf.TokenSource(ctx, &expired)
		status, n, err := vmQuery(r.base, oauth2.NewClient(ctx, ts))
		if err != nil || status != 200 || n == 0 {
			return "", fmt.Errorf("HTTP %d, %d VMRecords, %v", status, n, err)
		}
		now, err := ts.Token()
		if err != nil {
			return "", err
		}
		if now.AccessToken == first.AccessToken || now.RefreshToken != apiToken {
			return "", fmt.Errorf("no new access token, or the refresh token changed")
		}
		return "", nil
	})

	r.step("revoked (RFC 7009, net/http): Token() fails with *oauth2.RetrieveError", func() (string, error) {
		form := url.Values{"token": {apiToken}, "token_type_hint": {"refresh_token"}}
		status, _, out, err := r.do("POST", r.meta["revocation_endpoint"].(string), "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), "application/json")
		if err != nil || status != 200 {
			return "", fmt.Errorf("revoke: HTTP %d %s %v", status, out, err)
		}
		if status, _, _ := vmQuery(r.base, oauth2.NewClient(ctx, oauth2.StaticTokenSource(first))); status != 401 {
			return "", fmt.Errorf("the revoked token's session answered HTTP %d, want 401", status)
		}
		_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: apiToken}).Token()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			return "", fmt.Errorf("Token() with a revoked API token: %v, want a *RetrieveError", err)
		}
		// The refusal is VCD's body byte for byte, without RFC 6749's `error` (docs/errors.md): x/oauth2's ErrorCode is
		// empty and the status tells. Recorded so a change on either side shows in the summary.
		if re.Response.StatusCode != 400 || !strings.Contains(string(re.Body), `"minorErrorCode":"invalid_grant"`) {
			return "", fmt.Errorf("HTTP %d %s", re.Response.StatusCode, re.Body)
		}
		return fmt.Sprintf("HTTP %d, ErrorCode %q", re.Response.StatusCode, re.ErrorCode), nil
	})

	// A service account (RFC 8628), created by the same administrator with a tenant role.
	var saID string
	var device *oauth2.DeviceAuthResponse
	r.step("service account: register (net/http), Config.DeviceAuth with the administrator's Bearer", func() (string, error) {
		var err error
		if session, err = r.signIn(*user, password); err != nil {
			return "", err
		}
		saID, err = r.register(session, map[string]string{
			"client_name": fmt.Sprintf("conformance-xoauth2-sa-%d", time.Now().UnixNano()),
			"software_id": "12345678-1234-1234-1234-1234567890ab",
			"scope":       "urn:vcloud:role:vApp%20Author",
		})
		if err != nil {
			return "", err
		}
		conf.ClientID = saID
		// A public client, as the metadata says (token_endpoint_auth_methods_supported: ["none"]): client_id in the
		// body. With AuthStyle's zero value x/oauth2 probes each failed poll twice, Basic header then body, within
		// milliseconds; the second poll is too early and is answered slow_down, as RFC 8628 §3.5 has it, so the
		// token comes one interval later (docs/conformance.md).
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		adminClient := &http.Client{Transport: bearerTransport{token: session, next: transport}, Timeout: time.Minute}
		device, err = conf.DeviceAuth(context.WithValue(ctx, oauth2.HTTPClient, adminClient))
		if err != nil {
			return "", err
		}
		if device.DeviceCode == "" || device.UserCode == "" || device.VerificationURI == "" || device.Interval <= 0 {
			return "", fmt.Errorf("device answer %+v", device)
		}
		return fmt.Sprintf("interval %ds", device.Interval), nil
	})

	var saToken *oauth2.Token
	r.step("Config.DeviceAccessToken polls through authorization_pending; the administrator grants meanwhile", func() (string, error) {
		granted := make(chan error, 1)
		go func() {
			// After the first poll (at `interval`), before the second.
			time.Sleep(time.Duration(device.Interval)*time.Second + 1500*time.Millisecond)
			body, _ := json.Marshal(map[string]string{"userCode": device.UserCode})
			status, _, out, err := r.do("POST", r.base+"/cloudapi/1.0.0/deviceLookup/grant", session, "application/json", strings.NewReader(string(body)), "application/json;version=36.1")
			if err == nil && status != 204 {
				err = fmt.Errorf("grant: HTTP %d %s", status, out)
			}
			granted <- err
		}()
		start := time.Now()
		var err error
		saToken, err = conf.DeviceAccessToken(ctx, device)
		if gerr := <-granted; gerr != nil {
			return "", gerr
		}
		if err != nil {
			return "", err
		}
		if saToken.AccessToken == "" || saToken.RefreshToken == "" {
			return "", fmt.Errorf("no access or refresh token")
		}
		// x/oauth2 polls every `interval`: the first poll is pending, the second (after the grant) has the token. A
		// later one means a slow_down or a lost poll.
		took, interval := time.Since(start), time.Duration(device.Interval)*time.Second
		if took < 2*interval-time.Second || took > 3*interval-time.Second {
			return "", fmt.Errorf("a token after %s, want one after the second poll (%s)", took, 2*interval)
		}
		return fmt.Sprintf("token after %s", time.Since(start).Round(100*time.Millisecond)), nil
	})

	r.step("service account: Bearer on /api/query?type=vm, a refresh rotates its refresh token", func() (string, error) {
		status, n, err := vmQuery(r.base, oauth2.NewClient(ctx, oauth2.StaticTokenSource(saToken)))
		if err != nil || status != 200 {
			return "", fmt.Errorf("HTTP %d, %v", status, err)
		}
		expired := *saToken
		expired.Expiry = time.Now().Add(-time.Minute)
		ts := conf.TokenSource(ctx, &expired)
		next, err := ts.Token()
		if err != nil {
			return "", err
		}
		if next.RefreshToken == "" || next.RefreshToken == saToken.RefreshToken || next.AccessToken == saToken.AccessToken {
			return "", fmt.Errorf("the refresh did not rotate the refresh token")
		}
		if status, _, err := vmQuery(r.base, oauth2.NewClient(ctx, ts)); err != nil || status != 200 {
			return "", fmt.Errorf("the rotated access token: HTTP %d, %v", status, err)
		}
		r.counts["serviceAccountVms"] = n
		return fmt.Sprintf("%d VMRecords as vApp Author", n), nil
	})

	version := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "golang.org/x/oauth2" {
				version = dep.Version
			}
		}
	}
	out, _ := json.Marshal(map[string]any{
		"versions": map[string]string{"golang.org/x/oauth2": version},
		"go":       runtime.Version(),
		"steps":    r.steps,
		"counts":   r.counts,
	})
	fmt.Printf("XOAUTH2-CONFORMANCE-SUMMARY %s\n", out)
}
