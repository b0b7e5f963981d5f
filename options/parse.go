package options

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseBool is PasteDeploy's asbool: true, yes, on, y, t, 1 and false,
// no, off, n, f, 0, in any case, with white space around ignored.
func ParseBool(s string) (bool, error) {
	if b, ok := parseBool(s); ok {
		return b, nil
	}
	return false, fmt.Errorf("%s", boolMsg(s))
}

func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "y", "t", "1":
		return true, true
	case "false", "no", "off", "n", "f", "0":
		return false, true
	}
	return false, false
}

// boolMsg says that shown, the value as a message may quote it, is no
// boolean.
func boolMsg(shown string) string {
	return fmt.Sprintf("%q is not a boolean (use true/false, yes/no, on/off, 1/0)", shown)
}

// ParseDuration reads a plain number of seconds ("30", "0.5", "-1"), the
// unit OpenStack options use, or a Go duration ("1m30s"), with white
// space around ignored. A number of seconds is rounded to the nearest
// nanosecond; one too large for a time.Duration (about 292 years) is an
// error, as it is for time.ParseDuration.
func ParseDuration(s string) (time.Duration, error) {
	if d, ok := parseDuration(s); ok {
		return d, nil
	}
	return 0, fmt.Errorf("%s", durationMsg(strings.TrimSpace(s)))
}

func parseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		ns := math.Round(f * float64(time.Second))
		// float64(math.MaxInt64) rounds up to 2^63, which is already out
		// of range: hence >=. NaN fails both comparisons.
		if !(ns >= math.MinInt64 && ns < math.MaxInt64) {
			return 0, false
		}
		return time.Duration(ns), true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

func durationMsg(shown string) string {
	return fmt.Sprintf("%q is not a duration (write seconds, like 30, or a Go duration, like 1m30s)", shown)
}

// SplitList splits a list as paste files and oslo.config's ListOpt write
// them: on commas and white space, with empty items dropped, so that
// "a b", "a, b" and "a,b" are all [a b]. It never returns nil.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// formatSeconds writes d as a number of seconds ("30", "0.5"), the form
// paste files and OpenStack's options use, when ParseDuration reads that
// back as d; otherwise (durations of more than about 100 days, where a
// float64 of seconds loses nanoseconds) as a Go duration, which it reads
// back exactly.
func formatSeconds(d time.Duration) string {
	sign := ""
	u := uint64(d)
	if d < 0 {
		sign, u = "-", uint64(-d) // -MinInt64 wraps to itself, which as uint64 is right
	}
	s := sign + strconv.FormatUint(u/1e9, 10)
	if frac := u % 1e9; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	}
	if back, ok := parseDuration(s); ok && back == d {
		return s
	}
	return d.String()
}
