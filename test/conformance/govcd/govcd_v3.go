//go:build govcd_v3

// The go-vcloud-director v3 binding: the only file that names the v3 import paths.
// Built with -tags govcd_v3 -modfile go.v3.mod (github.com/vmware/go-vcloud-director/v3 v3.1.1, needs Go >= 1.26.2).
package main

import (
	"github.com/vmware/go-vcloud-director/v3/govcd"
	types "github.com/vmware/go-vcloud-director/v3/types/v56"
)

const govcdModulePath = "github.com/vmware/go-vcloud-director/v3"

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
