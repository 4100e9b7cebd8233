// Package optim trains the parameters of package nn's modules (or any leaf
// Values): the optimisers SGD, Adam, AdamW and RMSProp, gradient clipping,
// gradient-norm diagnostics and learning-rate schedules. Each reproduces
// PyTorch's torch.optim counterpart step for step, including its choices
// at the edges (see SEMANTICS.md, sections 5.3 to 5.5), and is tested
// against PyTorch's own training traces.
//
// # Training loop
//
//	opt, err := optim.NewAdam(nn.Params(model), optim.AdamDefaults())
//	...
//	for step := range steps {
//		opt.ZeroGrad()
//		loss := lossFn(model.Forward(x), y)
//		loss.Backward()
//		optim.ClipGradNorm(opt.Params(), 1, 2, false) // optional
//		opt.Step()
//		sched.Step() // optional, after opt.Step
//	}
//
// ZeroGrad sets every gradient to nil (PyTorch 2's set_to_none=True).
// Forgetting it makes backward add this step's gradient to the last one's,
// as in PyTorch. Step skips a parameter whose gradient is nil entirely (no
// weight decay, no momentum, no step count), but not one whose gradient is
// zero.
//
// Step writes the new values into each parameter's Data in place and
// records nothing, the no-grad path of package tensor. The writes bump the
// parameters' version counters, so a graph recorded before the step and
// still holding the old values fails at backward (tensor.ErrVersion)
// instead of computing a wrong gradient.
//
// # Options and parameter groups
//
// Each optimiser takes its hyperparameters as an options struct with
// PyTorch's names (SGDOptions, AdamOptions, RMSPropOptions). Where PyTorch's
// defaults are not zero, start from AdamDefaults, AdamWDefaults or
// RMSPropDefaults and change what differs. The parameters passed to the
// constructor form group 0; AddParamGroup adds groups with options of
// their own (a smaller learning rate for a pretrained trunk). LR and SetLR
// read and change a group's learning rate; the schedulers (StepLR,
// CosineAnnealingLR, LinearWarmup) drive them through the LRGroups
// interface and compute PyTorch's recursive ("chainable") form, so their
// rates match PyTorch's (bit for bit, except for the last bits of a cosine,
// where Go's math.Cos and C's cos may differ) and two schedulers stepped
// together compose as in PyTorch.
//
// # State and checkpoints
//
// Params lists the parameters of all groups in order; a parameter's
// position is its index in PyTorch's optimizer state_dict. State returns
// the per-parameter state as nn.NamedTensor values named as PyTorch names
// it: "state.<i>.<key>", key being "momentum_buffer" (SGD), "step",
// "exp_avg", "exp_avg_sq", "max_exp_avg_sq" (Adam, AdamW) or "step",
// "square_avg", "momentum_buffer", "grad_avg" (RMSProp); step is a 0-d
// tensor. nn.SaveTensors writes it to a safetensors file and LoadState
// takes it back, checking every name and shape. Hyperparameters (including
// learning rates changed by a scheduler) are not part of State: recreate
// the optimiser with its options and replay or re-create the scheduler.
//
// # Errors
//
// Hyperparameters often come from flags or configuration, so constructors,
// AddParamGroup, the clipping functions and the schedulers return an error
// for invalid values, wrapping ErrOption with PyTorch's text ("optim:
// invalid learning rate: -0.1"); an empty, nil, non-leaf or repeated
// parameter gives ErrParams. LoadState reads outside input: it returns an
// error wrapping ErrState and leaves the optimiser unchanged; it never
// panics on any names, shapes or values. Misuse that is a programming
// error (a group index out of range, a negative learning rate passed to
// SetLR) panics with an error wrapping ErrArgument.
//
// # Concurrency
//
// An optimiser belongs to one model and one training loop: Step, ZeroGrad,
// SetLR and LoadState must not run concurrently with each other, with a
// backward pass into the same parameters, or with forward passes that read
// them. Optimisers of different models share nothing and may step in
// parallel goroutines. A forward pass of a model that no goroutine is
// training may run in any number of goroutines (see package tensor).
package optim
