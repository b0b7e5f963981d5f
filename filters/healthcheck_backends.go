package filters

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/options"
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

// newHealthBackends makes the backends o names, which Validate checked.
func newHealthBackends(o HealthcheckOptions) []healthBackend {
	var out []healthBackend
	for _, name := range o.Backends {
		switch name {
		case "disable_by_file":
			out = append(out, disableByFile{path: o.DisableByFilePath})
		case "disable_by_files_ports":
			paths, _ := portPaths(o.DisableByFilePaths)
			out = append(out, disableByFilesPorts{paths: paths})
		case "enable_by_files":
			out = append(out, enableByFiles{paths: o.EnableByFilePaths})
		}
	}
	return out
}

// portPaths reads disable_by_file_paths: "port:path" items.
func portPaths(items []string) (map[int]string, error) {
	m := map[int]string{}
	var errs []error
	for _, item := range items {
		port, path, ok := strings.Cut(item, ":")
		n, err := strconv.Atoi(port)
		if !ok || err != nil || n <= 0 || n > 65535 || path == "" {
			errs = append(errs, options.Errorf("disable_by_file_paths", "%q is not port:path", item))
			continue
		}
		m[n] = path
	}
	return m, errors.Join(errs...)
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
