//go:build !govcd_v3

// The go-vcloud-director v2 binding: the only file that names the v2 import paths.
// Built with go.mod (github.com/vmware/go-vcloud-director/v2 v2.26.1, the line Terraform's vmware/vcd v3.14 runs).
package main

import (
	"github.com/vmware/go-vcloud-director/v2/govcd"
	types "github.com/vmware/go-vcloud-director/v2/types/v56"
)

const govcdModulePath = "github.com/vmware/go-vcloud-director/v2"

type (
	VCDClient       = govcd.VCDClient
	VCDClientOption = govcd.VCDClientOption
	Org             = govcd.Org
	Vdc             = govcd.Vdc
	Token           = govcd.Token
	ServiceAccount  = govcd.ServiceAccount
	ApiTokenRefresh = types.ApiTokenRefresh
	VMRecord        = types.QueryResultVMRecordType
	orgRef          = types.Org
	VmQueryFilter   = types.VmQueryFilter
	// Search by filter (SearchByFilter: Terraform's data sources with a filter block).
	FilterDef = govcd.FilterDef
	// Access control (ControlAccessParams of a catalog, a VDC, a vApp).
	ControlAccessParams = types.ControlAccessParams

	// The org and user admin API (orgadmin.go).
	AdminOrg                  = govcd.AdminOrg
	OrgUser                   = govcd.OrgUser
	OrgUserConfiguration      = govcd.OrgUserConfiguration
	OrgSettings               = types.OrgSettings
	OrgGeneralSettings        = types.OrgGeneralSettings
	VAppLeaseSettings         = types.VAppLeaseSettings
	VAppTemplateLeaseSettings = types.VAppTemplateLeaseSettings
	OrgLdapSettingsType       = types.OrgLdapSettingsType
)

var (
	NewFilterDef     = govcd.NewFilterDef
	NewVCDClient     = govcd.NewVCDClient
	WithHttpTimeout  = govcd.WithHttpTimeout
	ContainsNotFound = govcd.ContainsNotFound
	CreateOrg        = govcd.CreateOrg
)

const (
	ApiTokenHeader            = govcd.ApiTokenHeader
	VmQueryFilterAll          = types.VmQueryFilterAll
	QtVm                      = types.QtVm
	QtVappTemplate            = types.QtVappTemplate
	FilterNameRegex           = types.FilterNameRegex
	VmQueryFilterOnlyDeployed = types.VmQueryFilterOnlyDeployed
	OrgAdministratorRole      = govcd.OrgUserRoleOrganizationAdministrator
)
