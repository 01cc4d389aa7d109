"""pyvcloud conformance: an unmodified pyvcloud 23.0.4 against a running Tessera (issue 5).

pyvcloud has no API-token support of its own (vcd-clients.md section 3), so, as its users do, the token
is traded with `requests` at POST /oauth/tenant/<org>/token and the access token handed to
`Client.rehydrate_from_token(access, is_jwt_token=True)`. The API token itself is minted here with plain
`requests` (password session, /oauth/.../register, jwt-bearer grant) and revoked the same way.

When the scenario names a vApp, it also reads it and its first VM as pyvcloud's VApp and VM do: networks, startup
section and NIC interfaces from the VApp document; the VM's hardware items, OS section, boot options and guest
customization status at their own hrefs.

Exits non-zero on the first failed assertion with the step, the reason and the last HTTP exchanges;
on success prints `PYVCLOUD-CONFORMANCE-SUMMARY {json}` as the last line of stdout.

    python conformance.py --url https://127.0.0.1:PORT --scenario scenario.json [--timeout 120]

scenario.json: {"org","user","password","apiVersion","vmsAll":[names],"vdcs":[names],"roles":[names],"roleRights":{"role","rights"},"vapp":{...} or null,
"encodedFilter":{"apiVersion","guestOs","vms":[names]}} (test/conformance/expect.ts)
"""

import argparse
import importlib.metadata
import json
import os
import platform
import signal
import sys
import tempfile
import time
import traceback
import urllib.parse

import requests
import requests.adapters
import urllib3
from lxml import etree
from pyvcloud.vcd.client import Client, QueryResultFormat
from pyvcloud.vcd.exceptions import AccessForbiddenException, UnauthorizedException, VcdResponseException
from pyvcloud.vcd.metadata import Metadata
from pyvcloud.vcd.org import Org
from pyvcloud.vcd.role import Role
from pyvcloud.vcd.system import System
from pyvcloud.vcd.utils import vm_to_dict
from pyvcloud.vcd.vapp import VApp
from pyvcloud.vcd.vdc import VDC
from pyvcloud.vcd.vm import VM

VCLOUD_NS = "http://www.vmware.com/vcloud/v1.5"
OVF_NS = "http://schemas.dmtf.org/ovf/envelope/1"
HTTP_TIMEOUT = 30
MAX_BODY = 2500


class Failure(Exception):
    pass


class Recorder:
    """Keeps the last HTTP exchanges of every requests session (pyvcloud's own included) to show them when a
    step fails. It observes requests' HTTPAdapter.send; pyvcloud itself is not touched."""

    def __init__(self, keep=16):
        self.keep = keep
        self.step = ""
        self.entries = []

    def install(self):
        original = requests.adapters.HTTPAdapter.send
        recorder = self

        def send(adapter, request, *args, **kwargs):
            try:
                response = original(adapter, request, *args, **kwargs)
            except Exception as exc:
                recorder.add(request, None, exc)
                raise
            recorder.add(request, response, None)
            return response

        requests.adapters.HTTPAdapter.send = send

    def add(self, request, response, error):
        self.entries.append((self.step, request, response, error))
        del self.entries[: -self.keep]

    def urls(self, step):
        return [request.url for s, request, _, _ in self.entries if s == step]

    def dump(self, step):
        out = []
        for n, (s, req, resp, error) in enumerate([e for e in self.entries if e[0] == step], 1):
            out.append(f'  --- HTTP exchange {n} (step "{s}")')
            out.append(f"  > {req.method} {req.url}")
            for k, v in req.headers.items():
                out.append(f"  > {k}: {redact_header(k, v)}")
            if req.body:
                body = req.body.decode("utf-8", "replace") if isinstance(req.body, bytes) else str(req.body)
                out.append("  > " + redact_body(body)[:MAX_BODY])
            if error is not None:
                out.append(f"  < transport error: {type(error).__name__}: {error}")
                continue
            out.append(f"  < HTTP {resp.status_code} {resp.reason}")
            for k, v in resp.headers.items():
                out.append(f"  < {k}: {redact_header(k, v)}")
            if resp.content:
                out.append("  < " + redact_body(resp.text)[:MAX_BODY])
        return "\n".join(out) if out else "  (no HTTP exchange recorded for this step)"


def shorten(value):
    return value if len(value) <= 24 else f"{value[:20]}…({len(value)} chars)"


def redact_header(name, value):
    if name.lower() in ("authorization", "x-vmware-vcloud-access-token", "x-vcloud-authorization", "cookie", "set-cookie"):
        return shorten(value)
    return value


def redact_body(body):
    for key in ("refresh_token=", "assertion=", '"refresh_token":"', '"access_token":"'):
        parts = body.split(key)
        for i in range(1, len(parts)):
            rest = parts[i]
            end = min([p for p in (rest.find("&"), rest.find('"')) if p >= 0] or [len(rest)])
            parts[i] = shorten(rest[:end]) + rest[end:]
        body = key.join(parts)
    return body


class Runner:
    def __init__(self, base, scenario, log_dir):
        self.base = base.rstrip("/")
        self.sc = scenario
        self.log_file = os.path.join(log_dir, "vcd_pysdk.log")
        self.rec = Recorder()
        self.rec.install()
        self.http = requests.Session()
        self.http.verify = False
        self.http.trust_env = False  # loopback only: never through a proxy from the environment
        self.steps = []
        self.summary = {"counts": {}, "expectedErrors": {}}

    def step(self, name, fn):
        self.rec.step = name
        started = time.monotonic()
        try:
            result = fn()
        except Failure as exc:
            self.fail(name, str(exc))
        except Exception as exc:  # an unexpected exception from pyvcloud/requests is a failure too
            self.fail(name, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        print(f"ok   {name:<70} {int((time.monotonic() - started) * 1000):4d}ms", file=sys.stderr)
        self.steps.append(name)
        return result

    def fail(self, name, reason):
        print(f'FAIL [pyvcloud {version("pyvcloud")} as {self.sc["user"]}@{self.sc["org"]}] step "{name}": {reason}', file=sys.stderr)
        print("Last HTTP exchanges of this step:\n" + self.rec.dump(name), file=sys.stderr)
        sys.exit(1)

    def oauth(self, kind):
        org = self.sc["org"]
        where = "provider" if org.lower() == "system" else f"tenant/{org}"
        return f"{self.base}/oauth/{where}/{kind}"

    def new_client(self):
        return Client(self.base, api_version=self.sc["apiVersion"], verify_ssl_certs=False, log_file=self.log_file)

    def exchange(self, api_token):
        # The documented flow: form body, Accept: application/json, certificate not verified.
        return self.http.post(
            self.oauth("token"),
            data={"grant_type": "refresh_token", "refresh_token": api_token},
            headers={"Accept": "application/json"},
            verify=False,
            timeout=HTTP_TIMEOUT,
        )

    def run(self):
        sc = self.sc
        session = {}

        def sign_in():
            provider = "/provider" if sc["org"].lower() == "system" else ""
            resp = self.http.post(
                f"{self.base}/cloudapi/1.0.0/sessions{provider}",
                auth=(f'{sc["user"]}@{sc["org"]}', sc["password"]),
                headers={"Accept": f'application/json;version={sc["apiVersion"]}'},
                timeout=HTTP_TIMEOUT,
            )
            expect(resp.status_code == 200, f"password sign-in answered HTTP {resp.status_code}")
            jwt = resp.headers.get("X-VMWARE-VCLOUD-ACCESS-TOKEN")
            expect(jwt and len(jwt) > 32, "no X-VMWARE-VCLOUD-ACCESS-TOKEN (> 32 chars) in the sign-in response")
            session["jwt"] = jwt

        self.step("password sign-in (requests, POST /cloudapi/1.0.0/sessions)", sign_in)
        auth = lambda: {"Authorization": f'Bearer {session["jwt"]}', "Accept": f'application/json;version={sc["apiVersion"]}'}

        token = {}

        def create_token():
            name = f"conformance-pyvcloud-{int(time.time() * 1000)}"
            resp = self.http.post(self.oauth("register"), json={"client_name": name}, headers=auth(), timeout=HTTP_TIMEOUT)
            expect(resp.status_code in (200, 201), f"register answered HTTP {resp.status_code}")
            client_id = resp.json().get("client_id")
            expect(isinstance(client_id, str) and len(client_id) == 36, f"register returned client_id {client_id!r}")
            resp = self.http.post(
                self.oauth("token"),
                data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": session["jwt"], "client_id": client_id},
                headers=auth(),
                timeout=HTTP_TIMEOUT,
            )
            expect(resp.status_code == 200, f"jwt-bearer grant answered HTTP {resp.status_code}")
            api_token = resp.json().get("refresh_token")
            expect(isinstance(api_token, str) and api_token, "jwt-bearer grant returned no refresh_token")
            token.update(id=f"urn:vcloud:token:{client_id}", value=api_token)

        self.step("create an API token (register + jwt-bearer grant, requests)", create_token)

        access = {}

        def exchange():
            resp = self.exchange(token["value"])
            expect(resp.status_code == 200, f"token exchange answered HTTP {resp.status_code}")
            expect(resp.headers.get("Content-Type", "").startswith("application/json"), f'Content-Type {resp.headers.get("Content-Type")!r}')
            body = resp.json()
            expect(body.get("token_type") == "Bearer", f'token_type {body.get("token_type")!r}')
            expect(isinstance(body.get("expires_in"), int) and body["expires_in"] > 0, f'expires_in {body.get("expires_in")!r} is not a positive JSON number')
            expect(isinstance(body.get("access_token"), str) and len(body["access_token"]) > 32, "access_token missing or <= 32 chars")
            access["value"] = body["access_token"]

        self.step(f'requests.post({self.oauth("token").replace(self.base, "")}) with the API token', exchange)

        holder = {}

        def rehydrate():
            client = self.new_client()
            vcloud_session = client.rehydrate_from_token(access["value"], is_jwt_token=True)
            expect(vcloud_session.get("org") == sc["org"], f'Session org={vcloud_session.get("org")!r}, want {sc["org"]!r}')
            expect(vcloud_session.get("user") == sc["user"], f'Session user={vcloud_session.get("user")!r}, want {sc["user"]!r}')
            expect(client.is_sysadmin() == (sc["org"].lower() == "system"), f"is_sysadmin() = {client.is_sysadmin()}")
            holder["client"] = client

        self.step("Client(...).rehydrate_from_token(access, is_jwt_token=True)", rehydrate)
        client = holder["client"]

        def org_by_name():
            org = client.get_org_by_name(sc["org"])
            expect(org.get("name") == sc["org"], f'org name {org.get("name")!r}')
            expect(org.get("href", "").startswith("https://"), f'org href {org.get("href")!r}')
            holder["org"] = org

        self.step("client.get_org_by_name(org)", org_by_name)

        def logged_in_org():
            org = client.get_org()
            expect(org.get("name") == sc["org"], f'client.get_org() name {org.get("name")!r}')

        self.step("client.get_org()", logged_in_org)

        def admin_document():
            # The Session links the admin VCloud document for an Organization Administrator, as VCD's does.
            admin = client.get_admin()
            expect(etree.QName(admin.tag).localname == "VCloud", f"client.get_admin() answered {admin.tag}")

        self.step("client.get_admin() (the Session's admin link)", admin_document)

        def list_vdcs():
            names = [v["name"] for v in Org(client, resource=holder["org"]).list_vdcs()]
            same_names("VDCs", names, sc["vdcs"])
            self.summary["counts"]["vdcs"] = len(names)

        self.step("Org(client, resource=org).list_vdcs()", list_vdcs)

        def typed_query():
            query = client.get_typed_query("vm", query_result_format=QueryResultFormat.RECORDS)
            records = list(query.execute())
            pages = [url for url in self.rec.urls(self.rec.step) if "/api/query?" in url]
            tags = {etree.QName(r.tag).localname for r in records}
            expect(tags <= {"VMRecord"}, f"record elements {sorted(tags)}, want VMRecord only")
            names = [r.get("name") for r in records]
            for r in records:
                expect((r.get("href") or "").startswith("https://"), f'VMRecord {r.get("name")!r} href {r.get("href")!r}')
                expect(r.get("isVAppTemplate") in ("true", "false"), f'VMRecord {r.get("name")!r} isVAppTemplate={r.get("isVAppTemplate")!r}')
            same_names("VMs", names, sc["vmsAll"])
            if len(sc["vmsAll"]) > 25:
                expect(len(pages) >= 2, f"{len(names)} records came in {len(pages)} query request(s); expected paging through Link rel=nextPage: {pages}")
            self.summary["counts"]["vms"] = len(names)
            self.summary["counts"]["queryPages"] = len(pages)

        self.step("client.get_typed_query('vm', RECORDS).execute() across pages", typed_query)

        def encoded_filter():
            # pyvcloud's docs: "The values in the query string must be url-encoded". Below API 35.0 it sends
            # filterEncoded=true and the whole filter encoded once more; VCD then decodes each value again.
            want = sc["encodedFilter"]
            old = Client(self.base, api_version=want["apiVersion"], verify_ssl_certs=False, log_file=self.log_file)
            old.rehydrate_from_token(access["value"], is_jwt_token=True)
            query = old.get_typed_query(
                "vm",
                query_result_format=QueryResultFormat.RECORDS,
                qfilter="guestOs==" + urllib.parse.quote(want["guestOs"]),
                page_size=5,
            )
            records = list(query.execute())
            pages = [url for url in self.rec.urls(self.rec.step) if "/api/query?" in url]
            expect(any("filterEncoded=true" in url for url in pages), f"pyvcloud at {want['apiVersion']} sent no filterEncoded=true: {pages}")
            for r in records:
                expect(r.get("guestOs") == want["guestOs"], f'VMRecord {r.get("name")!r} guestOs={r.get("guestOs")!r}')
            same_names(f"VMs with guestOs {want['guestOs']!r} at API {want['apiVersion']}", [r.get("name") for r in records], want["vms"])
            if len(want["vms"]) > 5:
                expect(len(pages) >= 2, f"{len(records)} records came in {len(pages)} query request(s); expected nextPage links: {pages}")
            self.summary["counts"]["encodedFilterVms"] = len(records)

        self.step("Client(api_version='34.0').get_typed_query('vm', qfilter=<encoded value>, page_size=5) across pages", encoded_filter)

        if sc.get("roles"):

            def roles():
                org = Org(client, resource=holder["org"])
                names = [r["name"] for r in org.list_roles()]
                missing = sorted(set(sc["roles"]) - set(names))
                expect(not missing, f"list_roles() {names} lacks {missing}")
                role = Role(client, resource=org.get_role_resource(sc["roleRights"]["role"]))
                same_names("Role.list_rights()", [r["name"] for r in role.list_rights()], sc["roleRights"]["rights"])
                record = org.get_role_record(sc["roleRights"]["role"])
                expect(record.get("isReadOnly") == "true", f"get_role_record() {record}, want a read-only predefined role")

            self.step("Org.list_roles(), Org.get_role_resource(), Role.list_rights() on the token session", roles)

            def rights():
                org = Org(client, resource=holder["org"])
                same_names("Org.list_rights_available_in_vcd()", [r["name"] for r in org.list_rights_available_in_vcd()], sc["tenantRights"])
                name = sc["roleRights"]["rights"][0]
                record = org.get_right_record(name)
                expect(record["name"] == name, f"get_right_record({name!r}) {record}")
                right = org.get_right_resource(name)
                expect(right.get("name") == name, f"get_right_resource({name!r}) named {right.get('name')!r}")

            self.step("Org.list_rights_available_in_vcd(), get_right_record(), get_right_resource() (the right query)", rights)

        if sc.get("catalogs"):

            def catalogs():
                org = Org(client, resource=holder["org"])
                same_names("Org.list_catalogs()", [c["name"] for c in org.list_catalogs()], [c["name"] for c in sc["catalogs"]])
                for want in sc["catalogs"]:
                    catalog = org.get_catalog(want["name"])
                    expect(catalog.get("name") == want["name"], f'get_catalog({want["name"]!r}) name {catalog.get("name")!r}')
                    items = org.list_catalog_items(want["name"])
                    same_names(f'list_catalog_items({want["name"]!r})', [i["name"] for i in items], want["items"])
                    for i in items:
                        expect((i.get("id") or "").startswith("urn:vcloud:catalogitem:"), f"catalog item id {i.get('id')!r}")
                    item = want["items"][0]
                    template = org.get_catalog_item(want["name"], item)
                    expect(etree.QName(template.tag).localname == "CatalogItem", f"get_catalog_item() answered {template.tag}")
                    entity = template.Entity
                    expect(entity.get("name") == item, f"CatalogItem Entity name {entity.get('name')!r}, want {item!r}")
                    vapp_template = client.get_resource(entity.get("href"))
                    expect(vapp_template.get("name") == item, f"vAppTemplate name {vapp_template.get('name')!r}, want {item!r}")
                self.summary["counts"]["catalogs"] = len(sc["catalogs"])

            self.step("Org.list_catalogs(), get_catalog(), list_catalog_items(), get_catalog_item() on the token session", catalogs)

        if sc.get("networks"):

            def networks():
                org = Org(client, resource=holder["org"])
                for want in sc["networks"]:
                    vdc = VDC(client, resource=org.get_vdc(want["vdc"]))
                    records = vdc.list_orgvdc_network_records()
                    same_names(f'VDC({want["vdc"]!r}).list_orgvdc_network_records()', [r["name"] for r in records], [want["name"]])
                    href = vdc.get_orgvdc_network_admin_href_by_name(want["name"])
                    expect(href == records[0]["href"], f"get_orgvdc_network_admin_href_by_name() {href!r}, record href {records[0]['href']!r}")
                    isolated = vdc.list_orgvdc_isolated_networks()
                    same_names("list_orgvdc_isolated_networks()", [n.get("name") for n in isolated], [want["name"]])
                    expect(str(isolated[0].Configuration.FenceMode) == "isolated", f"FenceMode {isolated[0].Configuration.FenceMode!r}")
                    expect(isolated[0].get("href") == href, f"network resource href {isolated[0].get('href')!r}, want {href!r}")
                self.summary["counts"]["networks"] = len(sc["networks"])

            self.step("VDC.list_orgvdc_network_records(), get_orgvdc_network_admin_href_by_name(), list_orgvdc_isolated_networks()", networks)

            def edge_gateways_and_disks():
                org = Org(client, resource=holder["org"])
                for want in sc["networks"]:
                    vdc = VDC(client, resource=org.get_vdc(want["vdc"]))
                    # Tessera holds neither: empty lists, through the VDC's edgeGateways link and its ResourceEntities.
                    expect(vdc.list_edge_gateways() == [], f'VDC({want["vdc"]!r}).list_edge_gateways() {vdc.list_edge_gateways()}')
                    expect(vdc.get_disks() == [], f'VDC({want["vdc"]!r}).get_disks() {vdc.get_disks()}')

            self.step("VDC.list_edge_gateways(), VDC.get_disks(): none, not an error", edge_gateways_and_disks)

            def vdc_admin_views():
                org = Org(client, resource=holder["org"])
                for want in sc["networks"]:
                    vdc = VDC(client, resource=org.get_vdc(want["vdc"]))
                    # Its compute policies (the Vdc's link), its admin view and its default storage profile's.
                    policies = [p.get("name") for p in vdc.list_compute_policies()]
                    expect(policies == ["System Default"], f'VDC({want["vdc"]!r}).list_compute_policies() {policies}')
                    admin = org.get_vdc(want["vdc"], is_admin_operation=True)
                    expect(etree.QName(admin.tag).localname == "AdminVdc", f"get_vdc(is_admin_operation=True) answered {admin.tag}")
                    expect(admin.get("name") == want["vdc"], f"AdminVdc name {admin.get('name')!r}")
                    profile = vdc.get_default_storage_profile()
                    expect(etree.QName(profile.tag).localname == "AdminVdcStorageProfile", f"get_default_storage_profile() answered {profile.tag}")
                    expect(str(profile.Default).lower() == "true", f"the default profile's Default is {profile.Default!r}")

            self.step("VDC.list_compute_policies(), Org.get_vdc(is_admin_operation=True), VDC.get_default_storage_profile()", vdc_admin_views)

        if sc.get("vapp"):
            self.read_vapp_and_vm(client, holder["org"], sc["vapp"])

        if sc["org"].lower() == "system":

            def org_metadata_writes():
                # The provider writes a tenant org's metadata as pyvcloud does: by the Metadata document's rel="add"
                # link, and by each MetadataValue's rel="remove" (pyvcloud refuses without them).
                tenants = [o for o in client.get_org_list() if o.get("name", "").lower() != "system"]
                expect(tenants, "get_org_list() lists no tenant org")
                href = tenants[0].get("href").replace("/api/org/", "/api/admin/org/") + "/metadata"
                metadata = Metadata(client, href=href)
                key = f"pyvcloud-conformance-{os.getpid()}"
                monitor = client.get_task_monitor()
                task = monitor.wait_for_success(metadata.set_metadata(key, "one"))
                expect(task.get("status") == "success", f"set_metadata task status {task.get('status')!r}")
                value = metadata.get_metadata_value(key)
                expect(str(value.TypedValue.Value) == "one", f"get_metadata_value() {etree.tostring(value)[:200]!r}")
                monitor.wait_for_success(metadata.set_multiple_metadata({key: "two"}))
                expect(str(metadata.get_metadata_value(key).TypedValue.Value) == "two", "set_multiple_metadata() did not replace the value")
                monitor.wait_for_success(metadata.remove_metadata(key))
                try:
                    metadata.get_metadata_value(key)
                except AccessForbiddenException:
                    return
                raise Failure(f"the entry {key!r} is still there after remove_metadata()")

            self.step("Metadata(admin org).set_metadata(), set_multiple_metadata(), remove_metadata() (the provider)", org_metadata_writes)

            def org_create_delete():
                # `vcd org create` and `vcd org delete`: create_org follows the admin VCloud's rel="add" link, and
                # delete_resource formats Python booleans into the URL (force=False&recursive=False).
                system = System(client, admin_resource=client.get_admin())
                name = f"pyvcloud-org-{os.getpid()}"
                created = system.create_org(name, "pyvcloud conformance org", is_enabled=False)
                expect(created.get("name") == name, f"create_org() answered {etree.tostring(created)[:200]!r}")
                names = [o.get("name") for o in client.get_org_list()]
                expect(name in names, f"get_org_list() after create_org(): {names}")
                task = client.get_task_monitor().wait_for_success(system.delete_org(name, force=False, recursive=False))
                expect(task.get("status") == "success", f"delete_org task status {task.get('status')!r}")
                names = [o.get("name") for o in client.get_org_list()]
                expect(name not in names, f"get_org_list() after delete_org(): {names}")

            self.step("System.create_org(), System.delete_org(force=False, recursive=False) (the provider)", org_create_delete)

        def revoke():
            resp = self.http.delete(f'{self.base}/cloudapi/1.0.0/tokens/{token["id"]}', headers=auth(), timeout=HTTP_TIMEOUT)
            expect(resp.status_code == 204, f"DELETE token answered HTTP {resp.status_code}, want 204")

        self.step("revoke the API token (DELETE /cloudapi/1.0.0/tokens/{id})", revoke)

        def exchange_after():
            resp = self.exchange(token["value"])
            expect(400 <= resp.status_code < 500, f"token exchange after revocation answered HTTP {resp.status_code}, want 4xx")
            try:
                body = resp.json()
            except ValueError:
                raise Failure(f"error body is not JSON: {resp.text[:200]!r}")
            expect(body.get("minorErrorCode") == "invalid_grant", f"error body {body}, want minorErrorCode invalid_grant")
            self.summary["expectedErrors"]["exchangeAfterRevoke"] = f"HTTP {resp.status_code} {body}"

        self.step("token exchange after revocation fails with invalid_grant", exchange_after)

        def expect_unauthorized(action, label):
            try:
                action()
            except UnauthorizedException as exc:
                expect(exc.status_code == 401, f"status {exc.status_code}")
                err = exc.vcd_error
                expect(err is not None, "401 with an empty body: pyvcloud found no VCD <Error>")
                expect(etree.QName(err.tag).text == f"{{{VCLOUD_NS}}}Error", f"error root {err.tag}, want {{{VCLOUD_NS}}}Error")
                expect(err.get("majorErrorCode") == "401", f'majorErrorCode={err.get("majorErrorCode")!r}, want "401"')
                expect(bool(err.get("minorErrorCode")) and bool(err.get("message")), "the <Error> lacks minorErrorCode or message")
                self.summary["expectedErrors"][label] = str(exc)
                return
            except VcdResponseException as exc:
                raise Failure(f"{type(exc).__name__} ({exc}), want UnauthorizedException (HTTP 401)")
            except etree.XMLSyntaxError as exc:
                raise Failure(f"the error body is not XML, pyvcloud could not parse it: {exc}")
            raise Failure("succeeded after the API token was revoked")

        self.step(
            "rehydrate_from_token(old access token) after revocation raises UnauthorizedException",
            lambda: expect_unauthorized(lambda: self.new_client().rehydrate_from_token(access["value"], is_jwt_token=True), "rehydrateAfterRevoke"),
        )
        self.step(
            "typed query on the rehydrated client after revocation raises UnauthorizedException",
            lambda: expect_unauthorized(
                lambda: list(client.get_typed_query("vm", query_result_format=QueryResultFormat.RECORDS).execute()), "queryAfterRevoke"
            ),
        )


    def read_vapp_and_vm(self, client, org_resource, d):
        found = {}

        def get_vapp():
            vdc = VDC(client, resource=Org(client, resource=org_resource).get_vdc(d["vdc"]))
            found["vapp"] = VApp(client, resource=vdc.get_vapp(d["name"]))
            found["vm"] = VM(client, resource=found["vapp"].get_vm(d["vm"]["name"]))

        self.step(f'VDC.get_vapp({d["name"]!r}), VApp.get_vm({d["vm"]["name"]!r})', get_vapp)
        vapp, vm = found["vapp"], found["vm"]

        def networks():
            names = [n.get(f"{{{OVF_NS}}}name") for n in vapp.get_all_networks()]
            expect(names == [d["network"]], f"get_all_networks() names {names}, want {[d['network']]}")
            interfaces = vapp.list_vm_interface(d["network"])
            same_names("list_vm_interface Local_id", [str(i["Local_id"]) for i in interfaces], d["vms"])
            expect(all(int(i["VmNicId"]) == 0 for i in interfaces), f"VmNicId {[str(i['VmNicId']) for i in interfaces]}, want 0s")

        self.step("VApp.get_all_networks(), VApp.list_vm_interface(network)", networks)

        def ip_allocations():
            allocations = vapp.list_ip_allocations(d["network"])
            got = sorted(str(a["Ip_address"]) for a in allocations)
            expect(got == sorted(d["ips"]), f"list_ip_allocations() addresses {got}, want {sorted(d['ips'])}")
            kinds = {a["Allocation_type"] for a in allocations}
            expect(kinds <= {"vmAllocated"}, f"allocation types {kinds}, want vmAllocated")

        self.step("VApp.list_ip_allocations(network) (the vApp's network link, then its allocatedAddresses)", ip_allocations)

        def startup():
            items = vapp.get_startup_section()
            same_names("startup section items", [i["Id"] for i in items], d["vms"])
            for item in items:
                got = (item["order"], item["startAction"], item["stopAction"])
                expect(got == ("0", "powerOn", "powerOff"), f"startup item {item}, want order 0, powerOn, powerOff")

        self.step("VApp.get_startup_section()", startup)

        def product_sections():
            sections = vapp.get_product_sections()
            expect(sections == [], f"get_product_sections() {sections}, want [] (no OVF properties in the inventory)")

        self.step("VApp.get_product_sections() (follows the vApp's productSections link)", product_sections)

        def hardware():
            cpu, memory, *rest = vm.list_virtual_hardware_section(is_cpu=True, is_memory=True, is_disk=True, is_networkCards=True)
            expect(int(cpu["cpuVirtualQuantity"]) == d["vm"]["cpus"], f"cpu {cpu}, want {d['vm']['cpus']} CPUs")
            expect(int(cpu["cpuCoresPerSocket"]) == 1, f"cpu {cpu}, want 1 core per socket")
            expect(int(memory["memoryVirtualQuantityInMb"]) == d["vm"]["memoryMb"], f"memory {memory}, want {d['vm']['memoryMb']} MB")
            disks = [r for r in rest if "diskElementName" in r]
            want = [{"diskElementName": "Hard disk 1", "diskVirtualQuantityInBytes": d["vm"]["diskMb"] * 1024 * 1024}]
            expect(disks == want, f"disks {disks}, want {want}")
            nics = [r for r in rest if "ncardElementName" in r]
            expect(len(nics) == 1 and str(nics[0]["nCardConnection"]) == d["network"], f"network cards {nics}, want one on {d['network']}")
            expect(nics[0]["nCardIpAddressingMode"] == "POOL", f'nCardIpAddressingMode {nics[0]["nCardIpAddressingMode"]!r}')
            # is_media=True iterates the list's Items without a check, so on a VM without a CD/DVD or floppy drive
            # (every Tessera VM, and a VCD VM whose drive was removed) it raises AttributeError: read the list itself.
            media = client.get_resource(vm.href + "/virtualHardwareSection/media")
            expect(etree.QName(media.tag).localname == "RasdItemsList", f"media root {media.tag}")
            expect(len(media.findall(f"{{{VCLOUD_NS}}}Item")) == 0, "media: want no removable-media device")

        self.step("VM.list_virtual_hardware_section(cpu, memory, disks, networkCards) and .../media", hardware)

        def os_section():
            section = vm.list_os_section()
            expect(str(section["Description"]) == d["vm"]["guestOs"], f"list_os_section() {section}, want Description {d['vm']['guestOs']!r}")
            expect(str(section["Info"]) == "Specifies the operating system installed", f"list_os_section() Info {section['Info']!r}")

        self.step("VM.list_os_section()", os_section)

        def boot_and_customization():
            boot = vm.list_boot_options()
            expect((int(boot["BootDelay"]), str(boot["EnterBIOSSetup"]).lower()) == (0, "false"), f"list_boot_options() {boot}")
            status = str(vm.get_guest_customization_status())
            expect(status == "GC_PENDING", f"get_guest_customization_status() {status!r}, want GC_PENDING (customization off)")

        self.step("VM.list_boot_options(), VM.get_guest_customization_status()", boot_and_customization)

        def general_settings_and_runtime():
            # `vcd vm general-setting` reads Vm.BootOptions inline; `vcd vm list-runtime-info` the section's href.
            general = vm.general_setting_detail()
            expect(general["Name"] == d["vm"]["name"], f"general_setting_detail() {general}")
            expect((int(general["Boot Delay"]), str(general["Enter BIOS Setup"]).lower()) == (0, "false"), f"general_setting_detail() {general}")
            expect(str(general["OS"]) == d["vm"]["guestOs"], f"general_setting_detail() OS {general['OS']!r}")
            runtime = vm.list_run_time_info()
            expect(runtime == {"vmware_tools_version": "0"}, f"list_run_time_info() {runtime}, want tools version 0 (not installed)")

        self.step("VM.general_setting_detail(), VM.list_run_time_info()", general_settings_and_runtime)

        def vm_info():
            # What `vcd vm info` prints: utils.vm_to_dict reads the VmSpecSection's elements without checks.
            info = vm_to_dict(vm.get_resource())
            expect(info["name"] == d["vm"]["name"], f"vm_to_dict name {info.get('name')!r}")
            expect(int(info["cpu"]) == d["vm"]["cpus"], f"vm_to_dict cpu {info.get('cpu')!r}, want {d['vm']['cpus']}")
            expect(int(info["memory-MB"]) == d["vm"]["memoryMb"], f"vm_to_dict memory-MB {info.get('memory-MB')!r}")
            expect(info["vm-tools-version"] == "0", f"vm_to_dict vm-tools-version {info.get('vm-tools-version')!r}, want 0")
            disks = [v for k, v in info.items() if k.startswith("disk-")]
            expect(len(disks) == 1 and int(disks[0]["size-MB"]) == d["vm"]["diskMb"], f"vm_to_dict disks {disks}")

        self.step("utils.vm_to_dict(VM.get_resource()) (`vcd vm info`)", vm_info)


def expect(condition, message):
    if not condition:
        raise Failure(message)


def same_names(what, got, want):
    g, w = sorted(got), sorted(want)
    if g == w:
        return
    missing, extra = list(w), []
    for name in g:
        if name in missing:
            missing.remove(name)
        else:
            extra.append(name)
    raise Failure(f"{what}: got {len(g)}, want {len(w)}; missing {missing[:12]}; unexpected {extra[:12]}")


def version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--timeout", type=int, default=120)
    args = parser.parse_args()

    def on_timeout(*_):
        print(f"FAIL [pyvcloud]: overall timeout of {args.timeout}s exceeded", file=sys.stderr)
        os._exit(3)

    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(args.timeout)
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    with open(args.scenario, encoding="utf-8") as f:
        scenario = json.load(f)
    if not args.url.startswith("https://"):
        print("FAIL [pyvcloud]: --url must be https", file=sys.stderr)
        sys.exit(2)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pyvcloud-conformance-") as log_dir:
        runner = Runner(args.url, scenario, log_dir)
        runner.run()
    summary = {
        "client": "pyvcloud",
        "versions": {name: version(name) for name in ("pyvcloud", "requests", "lxml", "urllib3")},
        "python": platform.python_version(),
        "apiVersion": scenario["apiVersion"],
        "org": scenario["org"],
        "user": scenario["user"],
        "steps": runner.steps,
        **runner.summary,
        "elapsedMs": int((time.monotonic() - started) * 1000),
    }
    print("PYVCLOUD-CONFORMANCE-SUMMARY " + json.dumps(summary))


if __name__ == "__main__":
    main()
