package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/org/calyptos/internal/words"
)

// flagSet is a standard library FlagSet whose flags have several names (a
// short and a long one), and whose help lists them together. Flags may come
// before or after positional arguments; "--" ends the flags.
type flagSet struct {
	fs   *flag.FlagSet
	defs []flagDef
}

type flagDef struct {
	names []string
	arg   string // the value's placeholder; "" for a boolean
	usage string
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{fs: fs}
}

// add registers value under every name of names ("u,user").
func (f *flagSet) add(v flag.Value, names, arg, usage string) {
	d := flagDef{names: strings.Split(names, ","), arg: arg, usage: usage}
	for _, n := range d.names {
		f.fs.Var(v, n, usage)
	}
	f.defs = append(f.defs, d)
}

func (f *flagSet) stringVar(p *string, names, arg, usage string) {
	f.add((*stringValue)(p), names, arg, usage)
}

func (f *flagSet) boolVar(p *bool, names, usage string) {
	f.add((*boolValue)(p), names, "", usage)
}

func (f *flagSet) intVar(p *int, names, arg, usage string) {
	f.add((*intValue)(p), names, arg, usage)
}

func (f *flagSet) durationVar(p *time.Duration, names, arg, usage string) {
	f.add((*durationValue)(p), names, arg, usage)
}

// listVar collects a repeatable flag; each value may also be a
// comma-separated list when split is set.
func (f *flagSet) listVar(p *[]string, names, arg string, split bool, usage string) {
	f.add(&listValue{p: p, split: split}, names, arg, usage)
}

// parse parses args, allowing flags after positional arguments, and
// returns the positional arguments in order.
func (f *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, f.suggest(err)
		}
		rest := f.fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// set reports whether the flag called name (under any of its names) was
// given on the command line.
func (f *flagSet) set(name string) bool {
	var names []string
	for _, d := range f.defs {
		for _, n := range d.names {
			if n == name {
				names = d.names
			}
		}
	}
	found := false
	f.fs.Visit(func(fl *flag.Flag) {
		for _, n := range names {
			if fl.Name == n {
				found = true
			}
		}
	})
	return found
}

// writeHelp lists the flags, names together: "  -u, --user USER  text".
func (f *flagSet) writeHelp(w io.Writer) {
	heads := make([]string, len(f.defs))
	width := 0
	for i, d := range f.defs {
		var parts []string
		for _, n := range d.names {
			if len(n) == 1 {
				parts = append(parts, "-"+n)
			} else {
				parts = append(parts, "--"+n)
			}
		}
		h := strings.Join(parts, ", ")
		if len(d.names[0]) > 1 {
			h = "    " + h // align long-only flags with the long names
		}
		if d.arg != "" {
			h += " " + d.arg
		}
		heads[i] = h
		width = max(width, len(h))
	}
	for i, d := range f.defs {
		lines := strings.Split(d.usage, "\n")
		fmt.Fprintf(w, "  %-*s  %s\n", width, heads[i], lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "  %-*s  %s\n", width, "", l)
		}
	}
}

type stringValue string

func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }
func (s *stringValue) String() string     { return string(*s) }

type boolValue bool

func (b *boolValue) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("expected true or false")
	}
	*b = boolValue(x)
	return nil
}
func (b *boolValue) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }

type intValue int

func (i *intValue) Set(v string) error {
	x, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", v)
	}
	*i = intValue(x)
	return nil
}
func (i *intValue) String() string { return strconv.Itoa(int(*i)) }

type durationValue time.Duration

func (d *durationValue) Set(v string) error {
	x, err := time.ParseDuration(v)
	if err != nil {
		// A bare number is a number of seconds.
		n, nerr := strconv.ParseFloat(v, 64)
		if nerr != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return fmt.Errorf("%q is not a duration (examples: 30s, 2m, 1h30m)", v)
		}
		// Converting a float beyond int64 to a Duration gives garbage.
		if ns := n * float64(time.Second); ns >= math.MaxInt64 || ns <= math.MinInt64 {
			return fmt.Errorf("%q is too long (at most %v)", v, time.Duration(math.MaxInt64))
		}
		x = time.Duration(n * float64(time.Second))
	}
	*d = durationValue(x)
	return nil
}
func (d *durationValue) String() string { return time.Duration(*d).String() }

type listValue struct {
	p     *[]string
	split bool
}

func (l *listValue) Set(v string) error {
	if !l.split {
		*l.p = append(*l.p, v)
		return nil
	}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l.p = append(*l.p, s)
		}
	}
	return nil
}

func (l *listValue) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

// suggest adds the nearest flag name to the error of an unknown flag:
// "flag provided but not defined: -locl (did you mean --local?)".
func (f *flagSet) suggest(err error) error {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return err
	}
	best, dist := "", 3 // at most two edits away, and less than half the name
	for _, d := range f.defs {
		for _, n := range d.names {
			if k := words.Distance(name, n); k < dist && 2*k < len(n) {
				best, dist = n, k
			}
		}
	}
	if best == "" {
		return err
	}
	dash := "--"
	if len(best) == 1 {
		dash = "-"
	}
	return fmt.Errorf("%w (did you mean %s%s?)", err, dash, best)
}
