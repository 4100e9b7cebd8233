package autograd

// Stats reports what one pass of Backward or Grad did. Point
// Options.Stats at one to receive it; the pass overwrites it.
//
// Nodes is the number to watch for a graph that grows from step to step,
// the sign of a value carried across training steps without being
// detached (a hidden state): in a steady training loop every step's pass
// reaches the same number of nodes, and a count that rises with the step
// number means each pass walks back through the history of all earlier
// steps.
type Stats struct {
	// Nodes is the number of nodes the pass reached from its roots,
	// leaves included: the size of the recorded graph behind them.
	Nodes int
	// Ran is the number of nodes whose Backward ran (a node that no
	// gradient reached is not counted).
	Ran int
}
