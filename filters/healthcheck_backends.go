package filters

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
)

// healthResult is one backend's answer, as oslo's HealthcheckResult.
type healthResult struct {
	Available bool
	Reason    string
	Details   string
	Class     string
}

// healthBackend is one of oslo's healthcheck plugins. check gets the
// local port the request arrived on (0 when unknown).
type healthBackend interface {
	check(port int) healthResult
}

// newHealthBackends reads backends and the options of each one named.
func newHealthBackends(cfg *factory.Config) []healthBackend {
	names := cfg.List("backends")
	has := map[string]bool{}
	var out []healthBackend
	for _, name := range names {
		has[name] = true
		switch name {
		case "disable_by_file":
			out = append(out, disableByFile{path: cfg.String("disable_by_file_path", "")})
		case "disable_by_files_ports":
			out = append(out, disableByFilesPorts{paths: portPaths(cfg)})
		case "enable_by_files":
			out = append(out, enableByFiles{paths: cfg.List("enable_by_file_paths")})
		default:
			cfg.Errorf("backends", "unknown backend %q (pasteserve has disable_by_file, disable_by_files_ports, enable_by_files)", name)
		}
	}
	if has["disable_by_file"] && has["enable_by_files"] {
		cfg.Errorf("backends", "enable_by_files and disable_by_file cannot be configured at once")
	}
	return out
}

// portPaths reads disable_by_file_paths: "port:path" items.
func portPaths(cfg *factory.Config) map[int]string {
	m := map[int]string{}
	for _, item := range cfg.List("disable_by_file_paths") {
		port, path, ok := strings.Cut(item, ":")
		n, err := strconv.Atoi(port)
		if !ok || err != nil || n <= 0 || n > 65535 || path == "" {
			cfg.Errorf("disable_by_file_paths", "%q is not port:path", item)
			continue
		}
		m[n] = path
	}
	return m
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// disableByFile reports the service down while a file exists, so an
// operator can take one server out of a load balancer by touching it.
type disableByFile struct{ path string }

func (b disableByFile) check(int) healthResult {
	r := healthResult{Available: true, Reason: "OK", Class: "HealthcheckResult"}
	switch {
	case b.path == "":
		r.Details = "No 'disable_by_file_path' configuration value specified"
	case exists(b.path):
		r = healthResult{Reason: "DISABLED BY FILE", Details: fmt.Sprintf("Path '%s' was found", b.path), Class: r.Class}
	default:
		r.Details = fmt.Sprintf("Path '%s' was not found", b.path)
	}
	return r
}

// disableByFilesPorts is disableByFile with one file per local port, for
// a process that listens on several.
type disableByFilesPorts struct{ paths map[int]string }

func (b disableByFilesPorts) check(port int) healthResult {
	if path, ok := b.paths[port]; ok && exists(path) {
		return healthResult{Reason: "DISABLED BY FILE", Class: "HealthcheckResult"}
	}
	return healthResult{Available: true, Reason: "OK", Class: "HealthcheckResult"}
}

// enableByFiles reports the service down until every file exists.
type enableByFiles struct{ paths []string }

func (b enableByFiles) check(int) healthResult {
	for _, p := range b.paths {
		if !exists(p) {
			return healthResult{Reason: "FILE PATH MISSING", Details: fmt.Sprintf("File path %s is missing", p), Class: "HealthcheckResult"}
		}
	}
	return healthResult{Available: true, Reason: "OK", Class: "HealthcheckResult"}
}
