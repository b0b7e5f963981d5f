package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/plan"
	"github.com/pasteserve/pasteserve/resolve"
)

// TestUnregisteredReferences lists, for every corpus file, the factory
// references that this binary (main plus its blank imports) cannot build
// yet, resolving every app section with each auth_strategy the file
// offers. Project-specific apps stay their users' to register; the
// generic references named in builtIn must never appear.
func TestUnregisteredReferences(t *testing.T) {
	builtIn := []string{
		"egg:Paste#urlmap", "egg:oslo.middleware#request_id", "oslo_middleware:RequestId.factory",
		"oslo_middleware:CatchErrors.factory", "oslo_middleware.cors:filter_factory", "egg:oslo.middleware#cors",
		"oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory", "oslo_middleware:Healthcheck.app_factory",
		"egg:oslo.middleware#healthcheck", "call:neutron.auth:pipeline_factory", "neutron.auth:NoauthFakeProjectId.factory",
		// nova's and cinder's generic roles.
		"call:nova.api.openstack.urlmap:urlmap_factory", "call:cinder.api:root_app_factory",
		"nova.api.openstack.compute.versions:Versions.factory", "nova.api.openstack.compute.versions:VersionsV2.factory",
		"cinder.api.versions:Versions.factory", "nova.api.openstack:FaultWrapper.factory",
		"cinder.api.middleware.fault:FaultWrapper.factory", "nova.api.openstack.requestlog:RequestLog.factory",
		"call:nova.api.auth:pipeline_factory_v21", "call:cinder.api.middleware.auth:pipeline_factory",
	}
	files, _ := filepath.Glob("../../testdata/paste/corpus/*")
	total := map[string]bool{}
	for _, path := range files {
		if strings.HasSuffix(path, ".golden") || strings.HasSuffix(path, ".tsv") {
			continue
		}
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			continue
		}
		f, err := dsl.ParseFile(path)
		if err != nil {
			continue
		}
		missing := map[string]bool{}
		for _, s := range f.Sections {
			name, ok := s.Name()
			if typ, app := resolve.SectionType(s); !ok || !app || typ != plan.TypeApp {
				continue
			}
			for _, strategy := range []string{"keystone", "noauth", "noauth2"} {
				r := &resolve.Resolver{Registry: factory.Default}
				n, err := r.Resolve(path, name, plan.TypeApp, map[string]string{"auth_strategy": strategy})
				if err != nil {
					continue
				}
				plan.Walk(n, func(n *plan.Node) {
					if n.Kind == plan.NodeFactory {
						if _, ok := factory.Default.Lookup(n.Ref.Text, n.Type); !ok {
							missing[n.Ref.Text] = true
						}
					}
				})
			}
		}
		refs := make([]string, 0, len(missing))
		for ref := range missing {
			refs = append(refs, ref)
			total[ref] = true
		}
		sort.Strings(refs)
		t.Logf("%s: %d unregistered: %s", filepath.Base(path), len(refs), strings.Join(refs, " "))
	}
	t.Logf("corpus: %d distinct unregistered references", len(total))
	for _, ref := range builtIn {
		if total[ref] {
			t.Errorf("%s should be built in but is unregistered", ref)
		}
	}
}
