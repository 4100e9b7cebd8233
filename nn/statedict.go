package nn

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/chainrule/chainrule/tensor"
)

// ErrStateDict is wrapped by the errors LoadStateDict and Load return for
// a state dict that does not fit the model: missing or unexpected names,
// or shapes that differ.
var ErrStateDict = errors.New("state dict does not fit the model")

// NamedTensor is one entry of a state dict: a parameter's dotted name
// ("0.weight", "fc1.bias") and its tensor.
type NamedTensor[T tensor.Float] struct {
	Name   string
	Tensor *tensor.Tensor[T]
}

// StateDict returns m's parameters as a state dict, PyTorch's
// state_dict(): the names and order of NamedParams, and for each the
// parameter's own tensor. The tensors carry no autograd state and share
// storage with the parameters, so the state dict sees later updates;
// Clone them for a snapshot.
func StateDict[T tensor.Float](m Module[T]) []NamedTensor[T] {
	params := NamedParams(m)
	sd := make([]NamedTensor[T], len(params))
	for i, p := range params {
		sd[i] = NamedTensor[T]{Name: p.Name, Tensor: p.Value.Data()}
	}
	return sd
}

// ShapeMismatch is a state dict entry whose shape differs from the
// parameter's of the same name.
type ShapeMismatch struct {
	Name       string
	Checkpoint []int // the state dict's shape
	Model      []int // the parameter's shape
}

// StateDictError is the error LoadStateDict returns: every problem found,
// in PyTorch's words. It wraps ErrStateDict.
type StateDictError struct {
	// Op is the function that failed ("LoadStateDict", or "Load" with
	// Path set).
	Op   string
	Path string
	// Module is the model's type name, as PyTorch names the class.
	Module string
	// Missing lists the model's parameters that the state dict lacks
	// (reported only when loading strictly), in the model's order.
	Missing []string
	// Unexpected lists the state dict's names that no parameter has
	// (reported only when loading strictly), in the state dict's order.
	Unexpected []string
	// Duplicate lists names that occur more than once in the state dict.
	Duplicate []string
	// Mismatched lists entries whose shape differs from the parameter's.
	Mismatched []ShapeMismatch
}

// Error returns PyTorch's message, for example
//
//	nn: LoadStateDict: Error(s) in loading state_dict for MLP:
//		Missing key(s) in state_dict: "2.bias".
//		size mismatch for 0.weight: copying a param with shape [5 5] from checkpoint, the shape in current model is [4 3].
func (e *StateDictError) Error() string {
	var b strings.Builder
	b.WriteString("nn: ")
	b.WriteString(e.Op)
	if e.Path != "" {
		b.WriteString(" " + e.Path)
	}
	fmt.Fprintf(&b, ": Error(s) in loading state_dict for %s:", e.Module)
	keys := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = fmt.Sprintf("%q", n)
		}
		fmt.Fprintf(&b, "\n\t%s key(s) in state_dict: %s.", what, strings.Join(quoted, ", "))
	}
	keys("Missing", e.Missing)
	keys("Unexpected", e.Unexpected)
	keys("Duplicate", e.Duplicate)
	for _, m := range e.Mismatched {
		fmt.Fprintf(&b, "\n\tsize mismatch for %s: copying a param with shape %v from checkpoint, the shape in current model is %v.",
			m.Name, m.Checkpoint, m.Model)
	}
	return b.String()
}

// Unwrap returns ErrStateDict.
func (e *StateDictError) Unwrap() error { return ErrStateDict }

// LoadStateDict copies the tensors of sd into m's parameters of the same
// names, PyTorch's load_state_dict. The copy is the no-grad path
// (Data().CopyFrom): it records nothing and bumps each parameter's
// version, so a graph built before the load cannot be backpropagated
// through afterwards.
//
// With strict, every parameter of m must be in sd and every name in sd
// must be a parameter of m; without, missing and unexpected names are
// skipped. A parameter shared by several modules may be given under any of
// its names. Shapes must match exactly in either mode, and no name may
// repeat. All problems are collected and reported together in a
// *StateDictError wrapping ErrStateDict; unlike PyTorch, which copies the
// parameters that fit before it raises, a failed load changes nothing. It
// panics with tensor.ErrArgument if an entry's Tensor is nil.
func LoadStateDict[T tensor.Float](m Module[T], sd []NamedTensor[T], strict bool) error {
	return loadStateDict("LoadStateDict", "", m, sd, strict)
}

func loadStateDict[T tensor.Float](op, path string, m Module[T], sd []NamedTensor[T], strict bool) error {
	// Every name a parameter is reachable under, including the aliases of
	// shared parameters that NamedParams lists once.
	byName := map[string]*tensor.Value[T]{}
	Walk(m, func(prefix string, m Module[T]) {
		for _, p := range m.OwnParams() {
			byName[join(prefix, p.Name)] = p.Value
		}
	})
	e := &StateDictError{Op: op, Path: path, Module: typeName(m)}
	given := map[string]bool{}
	loaded := map[*tensor.Value[T]]bool{}
	for _, nt := range sd {
		if nt.Tensor == nil {
			panic(nnError(tensor.ErrArgument, op, "state dict entry %q has a nil tensor", nt.Name))
		}
		if given[nt.Name] {
			if !slices.Contains(e.Duplicate, nt.Name) {
				e.Duplicate = append(e.Duplicate, nt.Name)
			}
			continue
		}
		given[nt.Name] = true
		p, ok := byName[nt.Name]
		if !ok {
			if strict {
				e.Unexpected = append(e.Unexpected, nt.Name)
			}
			continue
		}
		loaded[p] = true
		if got, want := nt.Tensor.Shape(), p.Shape(); !slices.Equal(got, want) {
			e.Mismatched = append(e.Mismatched, ShapeMismatch{Name: nt.Name, Checkpoint: got, Model: want})
		}
	}
	if strict {
		for _, p := range NamedParams(m) {
			if !loaded[p.Value] {
				e.Missing = append(e.Missing, p.Name)
			}
		}
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Duplicate)+len(e.Mismatched) > 0 {
		return e
	}
	for _, nt := range sd {
		if p, ok := byName[nt.Name]; ok {
			p.Data().CopyFrom(nt.Tensor)
		}
	}
	return nil
}

// typeName returns the name of m's type without pointer, package or type
// arguments ("Linear" for *nn.Linear[float32]), as PyTorch names a module
// by its class.
func typeName(m any) string {
	t := reflect.TypeOf(m)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "<nil>"
	}
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	if name == "" {
		name = t.String()
	}
	return name
}
