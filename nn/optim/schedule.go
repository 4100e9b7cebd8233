package optim

import (
	"math"
	"slices"
)

// Scheduler changes the learning rates of an optimiser's parameter groups
// once per epoch (or per iteration, as the caller counts), as PyTorch's
// torch.optim.lr_scheduler classes do. Call Step after the optimiser's
// Step.
type Scheduler interface {
	// Step advances the epoch by one and sets the new learning rates.
	Step()
	// LastEpoch returns the number of Step calls since construction
	// (PyTorch's last_epoch; 0 right after construction).
	LastEpoch() int
	// LastLR returns the learning rates the scheduler last set, one per
	// group (PyTorch's get_last_lr()).
	LastLR() []float64
}

// schedule is what the schedulers share: PyTorch's _LRScheduler. A
// constructor calls start, which (as PyTorch's does) performs the epoch-0
// step at once, so that a scheduler that changes the initial learning
// rate (LinearWarmup) has changed it before the first optimiser step.
type schedule struct {
	opt       LRGroups
	lastEpoch int
	lastLR    []float64
	// next returns the learning rate of group i at epoch e, given its
	// current rate lr and its base (initial) rate: PyTorch's chainable
	// get_lr, which recomputes from the current rate, so that schedulers
	// stepped together compose as in PyTorch.
	next func(e int, lr, base float64) float64
}

func (s *schedule) start(opt LRGroups, next func(e int, lr, base float64) float64) {
	s.opt, s.next, s.lastEpoch = opt, next, -1
	s.Step()
}

// Step advances the epoch by one and sets every group's new learning rate.
func (s *schedule) Step() {
	s.lastEpoch++
	n := s.opt.NumGroups()
	lrs := make([]float64, n)
	for i := range n {
		lrs[i] = s.next(s.lastEpoch, s.opt.LR(i), s.opt.InitialLR(i))
	}
	for i, lr := range lrs {
		s.opt.SetLR(i, lr)
	}
	s.lastLR = lrs
}

// LastEpoch returns the number of Step calls since construction.
func (s *schedule) LastEpoch() int { return s.lastEpoch }

// LastLR returns the learning rates last set, one per group.
func (s *schedule) LastLR() []float64 { return slices.Clone(s.lastLR) }

// StepLR multiplies the learning rates by Gamma every StepSize epochs:
// PyTorch's StepLR. Without other changes, the rate at epoch e is
// initial·gamma^⌊e/stepSize⌋.
type StepLR struct {
	schedule
}

// NewStepLR returns a StepLR over opt's groups. It returns an error
// wrapping ErrOption if stepSize is not positive or gamma is negative or
// not finite.
func NewStepLR(opt LRGroups, stepSize int, gamma float64) (*StepLR, error) {
	if stepSize <= 0 {
		return nil, newError(ErrOption, "StepLR", "step size must be positive, got %d", stepSize)
	}
	if !(gamma >= 0) || math.IsInf(gamma, 1) {
		return nil, newError(ErrOption, "StepLR", "invalid gamma: %s", pyFloat(gamma))
	}
	s := &StepLR{}
	s.start(opt, func(e int, lr, _ float64) float64 {
		if e == 0 || e%stepSize != 0 {
			return lr
		}
		return lr * gamma
	})
	return s, nil
}

// CosineAnnealingLR anneals the learning rates from their initial values
// down to etaMin along half a cosine over tMax epochs, then back up over
// the next tMax, and so on: PyTorch's CosineAnnealingLR (without restarts).
// Without other changes, the rate at epoch e is
//
//	etaMin + (initial - etaMin)·(1 + cos(π·e/tMax))/2
//
// It is computed, as in PyTorch, by the recursive form that rescales the
// current rate, so that it composes with other schedulers.
type CosineAnnealingLR struct {
	schedule
}

// NewCosineAnnealingLR returns a CosineAnnealingLR over opt's groups. It
// returns an error wrapping ErrOption if tMax is not positive or etaMin is
// negative or not finite.
func NewCosineAnnealingLR(opt LRGroups, tMax int, etaMin float64) (*CosineAnnealingLR, error) {
	if tMax <= 0 {
		return nil, newError(ErrOption, "CosineAnnealingLR", "tMax must be positive, got %d", tMax)
	}
	if !(etaMin >= 0) || math.IsInf(etaMin, 1) {
		return nil, newError(ErrOption, "CosineAnnealingLR", "invalid etaMin: %s", pyFloat(etaMin))
	}
	tm := float64(tMax)
	s := &CosineAnnealingLR{}
	s.start(opt, func(e int, lr, base float64) float64 {
		switch {
		case e == 0:
			return lr
		case mod(e-1-tMax, 2*tMax) == 0:
			// Just past a minimum, where the ratio below would divide by
			// 1 + cos(π) = 0.
			return lr + (base-etaMin)*(1-math.Cos(math.Pi/tm))/2
		}
		ef := float64(e)
		ratio := (1 + math.Cos(math.Pi*ef/tm)) / (1 + math.Cos(math.Pi*(ef-1)/tm))
		return float64(ratio*(lr-etaMin)) + etaMin // rounded: never fused
	})
	return s, nil
}

// mod is Python's %: the result has the sign of m.
func mod(a, m int) int {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

// LinearWarmup scales the learning rates by a factor that moves linearly
// from startFactor at epoch 0 to endFactor at epoch totalIters and stays
// there: PyTorch's LinearLR. With startFactor < 1 = endFactor it is the
// usual linear warm-up; with endFactor < startFactor, a linear decay.
// Without other changes, the rate at epoch e is
//
//	initial·(startFactor + (endFactor-startFactor)·min(e, totalIters)/totalIters)
//
// Like PyTorch's, the constructor already sets the epoch-0 rates
// (initial·startFactor).
type LinearWarmup struct {
	schedule
}

// NewLinearWarmup returns a LinearWarmup over opt's groups. It returns an
// error wrapping ErrOption, with PyTorch 2's texts, unless 0 < startFactor
// <= 1, 0 <= endFactor <= 1 and totalIters > 0.
func NewLinearWarmup(opt LRGroups, startFactor, endFactor float64, totalIters int) (*LinearWarmup, error) {
	const op = "LinearWarmup"
	if !(startFactor > 0 && startFactor <= 1) {
		return nil, newError(ErrOption, op, "starting multiplicative factor expected to be greater than 0 and less or equal to 1, got %s", pyFloat(startFactor))
	}
	if !(endFactor >= 0 && endFactor <= 1) {
		return nil, newError(ErrOption, op, "ending multiplicative factor expected to be between 0 and 1, got %s", pyFloat(endFactor))
	}
	if totalIters <= 0 {
		return nil, newError(ErrOption, op, "totalIters must be positive, got %d", totalIters)
	}
	s := &LinearWarmup{}
	total := float64(totalIters)
	s.start(opt, func(e int, lr, _ float64) float64 {
		switch {
		case e == 0:
			return lr * startFactor
		case e > totalIters:
			return lr
		}
		// Each product rounded (never fused), as Python evaluates it.
		den := float64(total*startFactor) + float64(float64(e-1)*(endFactor-startFactor))
		return lr * (1 + (endFactor-startFactor)/den)
	})
	return s, nil
}

var (
	_ Scheduler = (*StepLR)(nil)
	_ Scheduler = (*CosineAnnealingLR)(nil)
	_ Scheduler = (*LinearWarmup)(nil)
)
