package optim

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// Sentinel errors. Every error this package returns, and every value it
// panics with, wraps one of them, so callers can test with errors.Is.
var (
	// ErrOption reports an invalid hyperparameter given to a constructor,
	// AddParamGroup or a clipping function: a negative learning rate, a
	// beta outside [0, 1), Nesterov momentum without momentum.
	ErrOption = errors.New("invalid option")
	// ErrParams reports an unusable parameter list: empty, holding a nil
	// or non-leaf Value, or sharing a parameter with another group.
	ErrParams = errors.New("invalid parameters")
	// ErrState reports optimiser state that LoadState cannot use: an
	// unknown or malformed name, a shape that differs from its
	// parameter's, a missing buffer.
	ErrState = errors.New("invalid optimizer state")
	// ErrNonFinite reports a NaN or infinite total gradient norm in
	// ClipGradNorm when it was asked to refuse one.
	ErrNonFinite = errors.New("non-finite gradient norm")
	// ErrArgument is what the package panics with on a programming error,
	// such as a parameter group index out of range.
	ErrArgument = errors.New("invalid argument")
)

// optimError is the type of this package's errors and panics: the
// message, prefixed with "optim: " and the operation when there is one,
// wrapping a sentinel.
type optimError struct {
	op  string
	msg string
	err error
}

func (e *optimError) Error() string {
	if e.op == "" {
		return "optim: " + e.msg
	}
	return "optim: " + e.op + ": " + e.msg
}

func (e *optimError) Unwrap() error { return e.err }

func newError(sentinel error, op, format string, args ...any) error {
	return &optimError{op: op, msg: fmt.Sprintf(format, args...), err: sentinel}
}

// fail panics with a programming error.
func fail(op, format string, args ...any) {
	panic(newError(ErrArgument, op, format, args...))
}

// pyFloat formats x as Python's repr does for the floats in PyTorch's
// messages ("0.1", "1.0", "inf", "1e-05"), so that the texts of validation
// errors match PyTorch's.
func pyFloat(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	// Python writes the shortest digits that round-trip, in positional
	// notation when the decimal exponent is in [-4, 16), with ".0" on
	// whole numbers.
	e := strconv.FormatFloat(x, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Validation shared by the options types. Each mirrors a check (and its
// text) from PyTorch's optimiser constructors; the negated comparisons
// also reject NaN, as PyTorch's do.

func checkLR(lr float64) error {
	if !(lr >= 0) {
		return newError(ErrOption, "", "invalid learning rate: %s", pyFloat(lr))
	}
	return nil
}

func checkNonNegative(what string, x float64) error {
	if !(x >= 0) {
		return newError(ErrOption, "", "invalid %s value: %s", what, pyFloat(x))
	}
	return nil
}

func checkBetas(betas [2]float64) error {
	for i, b := range betas {
		if !(b >= 0 && b < 1) {
			return newError(ErrOption, "", "invalid beta parameter at index %d: %s", i, pyFloat(b))
		}
	}
	return nil
}

// LRGroups is the part of an optimiser that a learning-rate scheduler
// drives: the learning rate of each parameter group.
type LRGroups interface {
	// NumGroups returns the number of parameter groups.
	NumGroups() int
	// LR returns the current learning rate of a group.
	LR(group int) float64
	// SetLR changes the learning rate of a group from the next Step on.
	SetLR(group int, lr float64)
	// InitialLR returns the learning rate the group was created with,
	// which schedulers start from (PyTorch's initial_lr).
	InitialLR(group int) float64
}

// Optimizer is what every optimiser of this package implements.
type Optimizer[T tensor.Float] interface {
	LRGroups
	// Step updates every parameter that has a gradient, once.
	Step()
	// ZeroGrad sets the gradient of every parameter to nil.
	ZeroGrad()
	// ZeroGradInPlace zeroes the gradient of every parameter in place,
	// keeping the buffers for the next backward to add into.
	ZeroGradInPlace()
	// Params returns every parameter in state order.
	Params() []*tensor.Value[T]
	// State returns the per-parameter state as named tensors.
	State() []nn.NamedTensor[T]
	// LoadState replaces the per-parameter state.
	LoadState(state []nn.NamedTensor[T]) error
}

// options is implemented by each optimiser's options type.
type options interface {
	learningRate() float64
	validate() error
}

// group is one parameter group: its parameters, their options, and the
// learning rate, which schedulers change and the rest of opts does not.
type group[T tensor.Float, O options] struct {
	params    []*tensor.Value[T]
	first     int // index in paramGroups.params of params[0]
	opts      O
	lr        float64
	initialLR float64
}

// paramGroups is what every optimiser shares: the parameter groups with
// their options, the numbering of all parameters (which names their
// state), and the accessors schedulers use. Each optimiser embeds it.
type paramGroups[T tensor.Float, O options] struct {
	groups []group[T, O]
	params []*tensor.Value[T]
	index  map[*tensor.Value[T]]int
}

// add validates a group as PyTorch's constructor and add_param_group do,
// in PyTorch's order, and appends it. Nothing changes on error.
func (pg *paramGroups[T, O]) add(params []*tensor.Value[T], opts O) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if len(pg.groups) == 0 && len(params) == 0 {
		return newError(ErrParams, "", "optimizer got an empty parameter list")
	}
	for i, p := range params {
		if p == nil {
			return newError(ErrParams, "", "parameter %d is nil", i)
		}
		if !p.IsLeaf() {
			return newError(ErrParams, "", "can't optimize a non-leaf Tensor (parameter %d, made by %s)", i, p.Op())
		}
	}
	// PyTorch only warns about a parameter listed twice in one group, and
	// then updates it twice per step; refusing is the safer reading.
	seen := make(map[*tensor.Value[T]]bool, len(params))
	for i, p := range params {
		if seen[p] {
			return newError(ErrParams, "", "parameter group contains duplicate parameters (parameter %d)", i)
		}
		seen[p] = true
	}
	for _, p := range params {
		if _, ok := pg.index[p]; ok {
			return newError(ErrParams, "", "some parameters appear in more than one parameter group")
		}
	}
	if pg.index == nil {
		pg.index = make(map[*tensor.Value[T]]int)
	}
	first := len(pg.params)
	for i, p := range params {
		pg.index[p] = first + i
	}
	pg.params = append(pg.params, params...)
	lr := opts.learningRate()
	pg.groups = append(pg.groups, group[T, O]{
		params:    slices.Clone(params),
		first:     first,
		opts:      opts,
		lr:        lr,
		initialLR: lr,
	})
	return nil
}

func (pg *paramGroups[T, O]) checkGroup(op string, i int) {
	if i < 0 || i >= len(pg.groups) {
		fail(op, "parameter group %d out of range [0, %d)", i, len(pg.groups))
	}
}

// NumGroups returns the number of parameter groups.
func (pg *paramGroups[T, O]) NumGroups() int { return len(pg.groups) }

// LR returns the current learning rate of group i: the one in its options
// until SetLR (or a scheduler) changes it. It panics with ErrArgument if i
// is out of range.
func (pg *paramGroups[T, O]) LR(i int) float64 {
	pg.checkGroup("LR", i)
	return pg.groups[i].lr
}

// SetLR sets the learning rate of group i, used from the next Step on.
// It panics with ErrArgument if i is out of range or lr is negative or
// NaN.
func (pg *paramGroups[T, O]) SetLR(i int, lr float64) {
	pg.checkGroup("SetLR", i)
	if !(lr >= 0) {
		fail("SetLR", "invalid learning rate %s for group %d", pyFloat(lr), i)
	}
	pg.groups[i].lr = lr
}

// InitialLR returns the learning rate group i was created with, whatever
// SetLR did since: the base that schedulers scale (PyTorch's initial_lr).
// It panics with ErrArgument if i is out of range.
func (pg *paramGroups[T, O]) InitialLR(i int) float64 {
	pg.checkGroup("InitialLR", i)
	return pg.groups[i].initialLR
}

// Params returns every parameter of every group, in group order and within
// a group in the order given. A parameter's position here is its index in
// the names of State.
func (pg *paramGroups[T, O]) Params() []*tensor.Value[T] {
	return slices.Clone(pg.params)
}

// ZeroGrad sets the gradient of every parameter to nil, PyTorch 2's
// zero_grad(set_to_none=True). The next Step skips a parameter whose
// gradient is still nil after the next backward.
func (pg *paramGroups[T, O]) ZeroGrad() {
	for _, p := range pg.params {
		p.ZeroGrad()
	}
}

// ZeroGradInPlace zeroes the gradient of every parameter in place,
// PyTorch's zero_grad(set_to_none=False): the buffers stay and the next
// backward adds into them, so steady-state steps allocate no gradient
// memory. A parameter then has a zero gradient rather than none, so Step
// still applies weight decay and momentum to it, as in PyTorch.
func (pg *paramGroups[T, O]) ZeroGradInPlace() {
	for _, p := range pg.params {
		p.ZeroGradInPlace()
	}
}

// stateTable is the per-parameter state of an optimiser: an optional step
// count and a fixed list of buffers, each shaped like its parameter and
// named by PyTorch's key.
type stateTable[T tensor.Float] struct {
	hasStep bool
	keys    []string         // buffer keys in PyTorch's order
	entries []*paramState[T] // by parameter index; nil before the first update
}

// paramState is one parameter's state. bufs is parallel to
// stateTable.keys; a nil buffer is one the parameter's options do not use.
type paramState[T tensor.Float] struct {
	step int
	bufs []*tensor.Tensor[T]
}

func newStateTable[T tensor.Float](hasStep bool, keys ...string) stateTable[T] {
	return stateTable[T]{hasStep: hasStep, keys: keys}
}

// get returns the state of parameter i, creating it (step 0, no buffers)
// if it has none.
func (st *stateTable[T]) get(i int) *paramState[T] {
	if i >= len(st.entries) {
		st.entries = append(st.entries, make([]*paramState[T], i+1-len(st.entries))...)
	}
	if st.entries[i] == nil {
		st.entries[i] = &paramState[T]{bufs: make([]*tensor.Tensor[T], len(st.keys))}
	}
	return st.entries[i]
}

// export lists the state as named tensors: by parameter index, then step,
// then the buffers in key order. The buffers are shared, not copied.
func (st *stateTable[T]) export() []nn.NamedTensor[T] {
	var out []nn.NamedTensor[T]
	for i, ps := range st.entries {
		if ps == nil {
			continue
		}
		if st.hasStep {
			out = append(out, nn.NamedTensor[T]{Name: stateName(i, "step"), Tensor: tensor.Scalar(T(ps.step))})
		}
		for k, b := range ps.bufs {
			if b != nil {
				out = append(out, nn.NamedTensor[T]{Name: stateName(i, st.keys[k]), Tensor: b})
			}
		}
	}
	return out
}

func stateName(i int, key string) string {
	return "state." + strconv.Itoa(i) + "." + key
}

// maxStep bounds a loaded step count: every count up to it is exact in
// float32, the narrowest element type a checkpoint may store it in.
const maxStep = 1 << 24

// load replaces the state with the named tensors in state, for the
// parameters params. need(i) reports which buffers parameter i's options
// use (parallel to keys). A parameter's state is all or nothing: its step
// (if the optimiser counts steps) and every buffer it needs, each shaped
// like the parameter, or no entry at all. Buffers are copied. On error
// the table is unchanged.
func (st *stateTable[T]) load(state []nn.NamedTensor[T], params []*tensor.Value[T], need func(i int) []bool) error {
	const op = "LoadState"
	type seen struct {
		step    bool
		stepVal int
		bufs    []*tensor.Tensor[T]
	}
	found := make(map[int]*seen)
	names := make(map[string]bool, len(state))
	for _, nt := range state {
		if names[nt.Name] {
			return newError(ErrState, op, "%q appears twice", nt.Name)
		}
		names[nt.Name] = true
		i, key, ok := parseStateName(nt.Name)
		if !ok {
			return newError(ErrState, op, "%q is not a state name of the form state.<index>.<key>", nt.Name)
		}
		if i >= len(params) {
			return newError(ErrState, op, "%q: the optimizer has %d parameters", nt.Name, len(params))
		}
		if nt.Tensor == nil {
			return newError(ErrState, op, "%q: nil tensor", nt.Name)
		}
		f := found[i]
		if f == nil {
			f = &seen{bufs: make([]*tensor.Tensor[T], len(st.keys))}
			found[i] = f
		}
		if key == "step" && st.hasStep {
			if nt.Tensor.Size() != 1 || nt.Tensor.Dims() > 1 {
				return newError(ErrState, op, "%q: step must be a scalar, got shape %v", nt.Name, nt.Tensor.Shape())
			}
			s := float64(nt.Tensor.Contiguous().Flat()[0])
			if !(s >= 0 && s <= maxStep) || s != math.Trunc(s) {
				return newError(ErrState, op, "%q: step %v is not a count in [0, %d]", nt.Name, s, maxStep)
			}
			f.step, f.stepVal = true, int(s)
			continue
		}
		k := slices.Index(st.keys, key)
		if k < 0 || !need(i)[k] {
			return newError(ErrState, op, "%q: parameter %d's options keep no %q", nt.Name, i, key)
		}
		if want := params[i].Shape(); !slices.Equal(nt.Tensor.Shape(), want) {
			return newError(ErrState, op, "%q: shape %v differs from parameter %d's shape %v", nt.Name, nt.Tensor.Shape(), i, want)
		}
		f.bufs[k] = nt.Tensor
	}
	entries := make([]*paramState[T], len(params))
	for _, i := range slices.Sorted(maps.Keys(found)) {
		f := found[i]
		if st.hasStep && !f.step {
			return newError(ErrState, op, "%q is missing", stateName(i, "step"))
		}
		ps := &paramState[T]{step: f.stepVal, bufs: make([]*tensor.Tensor[T], len(st.keys))}
		for k, needed := range need(i) {
			if !needed {
				continue
			}
			if f.bufs[k] == nil {
				return newError(ErrState, op, "%q is missing", stateName(i, st.keys[k]))
			}
			ps.bufs[k] = f.bufs[k].Clone()
		}
		entries[i] = ps
	}
	st.entries = entries
	return nil
}

// parseStateName splits "state.<i>.<key>".
func parseStateName(name string) (i int, key string, ok bool) {
	rest, ok := strings.CutPrefix(name, "state.")
	if !ok {
		return 0, "", false
	}
	num, key, ok := strings.Cut(rest, ".")
	if !ok || key == "" || num == "" {
		return 0, "", false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, "", false
		}
	}
	if len(num) > 1 && num[0] == '0' {
		return 0, "", false
	}
	i, err := strconv.Atoi(num)
	if err != nil {
		return 0, "", false
	}
	return i, key, true
}

// groupOf returns the group that holds parameter index i.
func (pg *paramGroups[T, O]) groupOf(i int) *group[T, O] {
	for g := range pg.groups {
		gr := &pg.groups[g]
		if i >= gr.first && i < gr.first+len(gr.params) {
			return gr
		}
	}
	panic("optim: parameter index out of range") // unreachable: load checks i
}

// flatParam returns p's data as a flat row-major slice to update in
// place, and the tensor to pass to commit afterwards.
func flatParam[T tensor.Float](t *tensor.Tensor[T]) (flat []T, tmp *tensor.Tensor[T]) {
	if t.IsContiguous() {
		return t.Flat(), nil
	}
	tmp = t.Clone()
	return tmp.Flat(), tmp
}

// commit finishes an update started by flatParam: it copies a temporary
// back or bumps the version counter of data written through Flat.
func commit[T tensor.Float](t, tmp *tensor.Tensor[T]) {
	if tmp != nil {
		t.CopyFrom(tmp)
		return
	}
	t.MarkModified()
}

// flatGrad returns p's gradient as a flat row-major slice to read.
func flatGrad[T tensor.Float](p *tensor.Value[T]) []T {
	return p.Grad().Data().Contiguous().Flat()
}

// direction is the gradient that an update step follows for one element:
// g, negated to maximise, plus the L2 weight-decay term wd*x, rounded
// before it is added (PyTorch's grad.add(param, alpha=wd)).
func direction[T tensor.Float](g, x, wd T, maximize bool) T {
	if maximize {
		g = -g
	}
	if wd != 0 {
		g += T(wd * x)
	}
	return g
}
