// Package nn builds networks on package tensor's Values: the Module
// contract, layers (Linear, Sequential, activations, Dropout), weight
// initialisation, losses, and state dicts saved as safetensors files that
// PyTorch reads.
//
// # Modules and names
//
// A Module lists its own parameters and its direct children by name;
// NamedParams joins them into PyTorch's dotted names ("0.weight",
// "fc1.bias") in PyTorch's order, so a state dict moves between PyTorch and
// chainrule unchanged. Linear stores its weight as PyTorch does, with shape
// (out, in).
//
// # Randomness
//
// Every constructor that draws random numbers takes an explicit
// *rand.Rand (math/rand/v2); there is no global generator.
//
// # Errors
//
// Building a network with inconsistent shapes is a programming error and
// panics, as in package tensor. Loading a state dict or a checkpoint reads
// outside input and returns an error naming the problem; it never panics.
//
// # Concurrency
//
// Forward passes record edges from results to inputs only, so any number of
// goroutines may run Forward on one model at once. Training (backward, the
// optimiser step) writes gradients and parameters and needs one goroutine
// per model.
package nn
