package main

import (
	"fmt"
	"io"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// health watches per-parameter gradient norms after each backward and
// warns, once per parameter, when one vanishes or explodes: the first two
// pitfalls of the backpropagation walkthrough.
type health[T tensor.Float] struct {
	low, high float64
	out       io.Writer
	warned    map[string]bool
}

func newHealth[T tensor.Float](c *config, out io.Writer) *health[T] {
	return &health[T]{low: c.healthLow, high: c.healthHi, out: out, warned: map[string]bool{}}
}

func (h *health[T]) check(epoch int, named []nn.Param[T]) {
	params := make([]*tensor.Value[T], len(named))
	for i, p := range named {
		params[i] = p.Value
	}
	for i, norm := range optim.GradNorms(params) {
		name := named[i].Name
		switch {
		case h.warned[name]:
		case norm != norm || norm > h.high:
			h.warned[name] = true
			fmt.Fprintf(h.out, "warning: epoch %d: gradient norm of %s is %.3g (above %g): exploding gradients; lower the learning rate or clip with optim.ClipGradNorm\n", epoch, name, norm, h.high)
		case norm < h.low && named[i].Value.Grad() != nil:
			h.warned[name] = true
			fmt.Fprintf(h.out, "warning: epoch %d: gradient norm of %s is %.3g (below %g): vanishing gradients; check for saturated or dead units\n", epoch, name, norm, h.low)
		}
	}
}
