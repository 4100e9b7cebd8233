//go:build !amd64 || purego

package vec

// Without the assembly every element goes through the Go loops.

func relu32(dst, x []float32) int          { return 0 }
func relu64(dst, x []float64) int          { return 0 }
func reluGrad32(dst, g, out []float32) int { return 0 }
func reluGrad64(dst, g, out []float64) int { return 0 }

func addRows64(y, b []float64) int  { return 0 }
func addRows32(y, b []float32) int  { return 0 }
func sumRows64(d, g []float64) bool { return false }
func sumRows32(d, g []float32) bool { return false }

func axpy32(a float32, x, y []float32) int { return 0 }
func axpy64(a float64, x, y []float64) int { return 0 }
func add32(dst, x, y []float32) int        { return 0 }
func add64(dst, x, y []float64) int        { return 0 }
