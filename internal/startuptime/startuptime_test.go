package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests build and start the real binary; -short skips them. They
// time nothing against a budget of the whole start (a shared machine
// makes that flaky); the measurement itself is the program, run by hand
// (see the package comment).

var (
	buildOnce sync.Once
	bin       string
	buildErr  error
)

// pasteserve builds ./cmd/pasteserve once per test run.
func pasteserve(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "startuptime-test")
		if err != nil {
			buildErr = err
			return
		}
		bin = filepath.Join(dir, "pasteserve")
		out, err := exec.Command("go", "build", "-o", bin, "../../cmd/pasteserve").CombinedOutput()
		if err != nil {
			buildErr = err
			bin = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, bin)
	}
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bin != "" && buildErr == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// TestNoPackageInitTakesMilliseconds runs the binary with
// GODEBUG=inittrace=1 and fails if any package's init takes 5 ms or
// more, taking each package's fastest of three starts (so that a start
// the machine slowed down does not count). Every start of every command
// pays for every init, whether the paste file uses the package or not:
// filters made a bcrypt hash at init, 50 to 75 ms of every start, when
// the rest of the inits together took under 2 ms.
func TestNoPackageInitTakesMilliseconds(t *testing.T) {
	bin := pasteserve(t)
	fastest := map[string]float64{}
	for range 3 {
		cmd := exec.Command(bin, "version")
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s version: %v\n%s", bin, err, out)
		}
		n := 0
		for _, line := range strings.Split(string(out), "\n") {
			// init github.com/rs/xid @3.6 ms, 0.16 ms clock, 11208 bytes, 20 allocs
			f := strings.Fields(line)
			if len(f) < 7 || f[0] != "init" || f[6] != "clock," {
				continue
			}
			ms, err := strconv.ParseFloat(f[4], 64)
			if err != nil {
				t.Fatalf("inittrace line %q: %v", line, err)
			}
			if old, ok := fastest[f[1]]; !ok || ms < old {
				fastest[f[1]] = ms
			}
			n++
		}
		if n < 10 {
			t.Fatalf("only %d inittrace lines in:\n%s", n, out)
		}
	}
	const limit = 5.0
	for pkg, ms := range fastest {
		if ms >= limit {
			t.Errorf("init %s takes %.1f ms (the fastest of three starts); no init may take %.0f ms: make the work lazy, or a constant", pkg, ms, limit)
		}
	}
}

// TestMeasure runs the measurement of the package comment twice, with a
// short idle, to check that it works: that the bundled example answers
// 200 and that the figures get printed.
func TestMeasure(t *testing.T) {
	bin := pasteserve(t)
	var out strings.Builder
	if err := run(2, bin, false, "../../testdata/paste/example.ini", "/", time.Millisecond, 50*time.Millisecond, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"warm-up: first 200 after", "run  2: first 200 after", "start to first 200 (2 runs): median", "RSS idle after 50ms (2 runs): median"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
	t.Log(out.String())
}
