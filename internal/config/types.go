package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "30s", "2m" or "1h30m".
type Duration time.Duration

// UnmarshalYAML accepts a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeErrorf("line %d: expected a duration such as 30s or 2m", n.Line)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return typeErrorf("line %d: %q is not a duration: write it like 30s, 2m or 1h30m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// ByteSize is a size written as a number of bytes or with a unit: 512KiB, 10MiB, 1GB.
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
}

// UnmarshalYAML accepts an integer or a number with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return typeErrorf("line %d: %q is not a size: write it like 10MiB or 512KiB", n.Line, n.Value)
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize parses "10MiB", "512 KiB", "1000000".
func ParseByteSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			mult = u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("config: %q is not a size", s)
	}
	return int64(f * float64(mult)), nil
}

// StringList is a YAML scalar or a sequence of scalars.
type StringList []string

// UnmarshalYAML accepts "a" as well as [a, b].
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.TrimSpace(n.Value) == "" {
			*l = nil
			return nil
		}
		*l = StringList{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(StringList, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return typeErrorf("line %d: expected a string", c.Line)
			}
			out = append(out, c.Value)
		}
		*l = out
		return nil
	}
	return typeErrorf("line %d: expected a string or a list of strings", n.Line)
}

// typeErrorf is a value that does not decode: a *yaml.TypeError, so that
// the decoder goes on with the rest of the file and every such value is
// reported at once.
func typeErrorf(format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf(format, args...)}}
}
