//go:build tools

// Package tools pins the unmodified Terraform provider that test/conformance/terraform.test.ts drives:
// scripts/setup-conformance.sh builds it from this module (go build github.com/vmware/terraform-provider-vcd/v3),
// so go.mod and go.sum name and verify every module it is built from.
package tools

import _ "github.com/vmware/terraform-provider-vcd/v3"
