module tessera/test/conformance/govcd

go 1.22

require github.com/vmware/go-vcloud-director/v2 v2.26.1

require (
	github.com/araddon/dateparse v0.0.0-20190622164848-0fb0a474d195 // indirect
	github.com/hashicorp/go-version v1.2.0 // indirect
	github.com/kr/pretty v0.2.1 // indirect
	github.com/kr/text v0.1.0 // indirect
	github.com/peterhellberg/link v1.1.0 // indirect
	golang.org/x/exp v0.0.0-20240119083558-1b970713d09a // indirect
	golang.org/x/text v0.14.0 // indirect
	sigs.k8s.io/yaml v1.4.0 // indirect
)
