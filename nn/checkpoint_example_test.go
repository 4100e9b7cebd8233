package nn_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// mlp returns PyTorch's Sequential(Linear(in, hidden), Tanh(),
// Linear(hidden, 2)) with weights drawn from seed.
func mlp(seed uint64, in, hidden int) *nn.Sequential[float32] {
	rng := rand.New(rand.NewPCG(seed, 0))
	return nn.NewSequential[float32](
		nn.NewLinear[float32](rng, in, hidden, true), nn.Tanh[float32]{}, nn.NewLinear[float32](rng, hidden, 2, true))
}

// A model saved with Save loads into another model of the same shape, in
// Go or in PyTorch (safetensors.torch.load_file, then load_state_dict).
// Loading into a model of another shape reports every mismatch, in
// PyTorch's words, and changes nothing.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mlp.safetensors")

	trained := mlp(1, 3, 4)
	if err := nn.Save(path, trained); err != nil {
		fmt.Println(err)
		return
	}
	fresh := mlp(2, 3, 4)
	if err := nn.Load(path, fresh); err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.Const(tensor.Ones[float32](1, 3))
	fmt.Println(slices.Equal(trained.Forward(x).Data().ToSlice(), fresh.Forward(x).Data().ToSlice()))

	err = nn.Load(path, mlp(3, 3, 8))
	fmt.Println(errors.Is(err, nn.ErrStateDict))
	var sdErr *nn.StateDictError
	if errors.As(err, &sdErr) {
		for _, m := range sdErr.Mismatched {
			fmt.Printf("%s: checkpoint %v, model %v\n", m.Name, m.Checkpoint, m.Model)
		}
	}
	// Output:
	// true
	// true
	// 0.weight: checkpoint [4 3], model [8 3]
	// 0.bias: checkpoint [4], model [8]
	// 2.weight: checkpoint [2 4], model [2 8]
}

// LoadStateDict without strict loads what fits: here the first layer of
// a larger model into a smaller one, skipping the layer it lacks.
func ExampleLoadStateDict() {
	src := mlp(1, 3, 4)
	rng := rand.New(rand.NewPCG(2, 0))
	dst := nn.NewSequential[float32](nn.NewLinear[float32](rng, 3, 4, true))

	err := nn.LoadStateDict(dst, nn.StateDict[float32](src), true)
	fmt.Println(err)
	err = nn.LoadStateDict(dst, nn.StateDict[float32](src), false)
	bias := func(s *nn.Sequential[float32]) []float32 {
		return s.Layers[0].(*nn.Linear[float32]).Bias.Data().ToSlice()
	}
	fmt.Println(err, slices.Equal(bias(dst), bias(src)))
	// Output:
	// nn: LoadStateDict: Error(s) in loading state_dict for Sequential:
	// 	Unexpected key(s) in state_dict: "2.weight", "2.bias".
	// <nil> true
}

// SaveTensors and LoadTensors keep any named tensors with string metadata,
// such as an optimiser's state.
func ExampleSaveTensors() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "adam.safetensors")

	state := []nn.NamedTensor[float64]{
		{Name: "0.step", Tensor: tensor.Scalar(10.0)},
		{Name: "0.exp_avg", Tensor: tensor.New([]float64{0.5, -0.25}, 2)},
	}
	if err := nn.SaveTensors(path, state, map[string]string{"optimizer": "Adam"}); err != nil {
		fmt.Println(err)
		return
	}
	loaded, meta, err := nn.LoadTensors[float64](path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range loaded {
		fmt.Println(e.Name, e.Tensor.Shape(), e.Tensor.ToSlice())
	}
	fmt.Println(meta)
	// Output:
	// 0.step [] [10]
	// 0.exp_avg [2] [0.5 -0.25]
	// map[optimizer:Adam]
}
