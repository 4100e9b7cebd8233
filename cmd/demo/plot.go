package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
)

// The demo's pictures are small SVG files written by hand: two kinds of
// chart do not justify a plotting dependency, and SVG opens in any browser.

// series is one named curve of a line chart.
type series struct {
	name  string
	color string
	y     []float64 // y[i] is the value after epoch i+1
}

const (
	svgW, svgH = 640.0, 400.0
	margin     = 50.0
)

// writeLossSVG draws the curves against the epoch on a log-scaled y axis,
// with a legend.
func writeLossSVG(w io.Writer, title string, curves []series) error {
	bw := bufio.NewWriter(w)
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for _, s := range curves {
		for _, v := range s.y {
			if v > 0 && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		n = max(n, len(s.y))
	}
	if n == 0 || lo > hi {
		return fmt.Errorf("plot: no positive finite values to draw")
	}
	if lo == hi {
		lo, hi = lo/2, hi*2
	}
	llo, lhi := math.Log10(lo), math.Log10(hi)
	x := func(i int) float64 { return margin + (svgW-2*margin)*float64(i)/float64(max(n-1, 1)) }
	y := func(v float64) float64 {
		return svgH - margin - (svgH-2*margin)*(math.Log10(v)-llo)/(lhi-llo)
	}
	svgHeader(bw, title)
	// Axes with decade ticks.
	fmt.Fprintf(bw, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/>`+"\n", margin, svgH-margin, svgW-margin, svgH-margin)
	fmt.Fprintf(bw, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="black"/>`+"\n", margin, margin, margin, svgH-margin)
	// Ticks at 1, 2 and 5 times each power of ten in range.
	for d := math.Floor(llo); d <= math.Ceil(lhi); d++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, d)
			if v < lo || v > hi {
				continue
			}
			yy := y(v)
			fmt.Fprintf(bw, `<text x="%g" y="%g" font-size="10" text-anchor="end">%g</text>`+"\n", margin-4, yy+3, v)
			fmt.Fprintf(bw, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ddd"/>`+"\n", margin, yy, svgW-margin, yy)
		}
	}
	fmt.Fprintf(bw, `<text x="%g" y="%g" font-size="11" text-anchor="middle">epoch (1 to %d)</text>`+"\n", svgW/2, svgH-margin/3, n)
	for k, s := range curves {
		fmt.Fprintf(bw, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="`, s.color)
		for i, v := range s.y {
			if v > 0 && !math.IsInf(v, 0) {
				fmt.Fprintf(bw, "%.1f,%.1f ", x(i), y(v))
			}
		}
		fmt.Fprintln(bw, `"/>`)
		fmt.Fprintf(bw, `<text x="%g" y="%g" font-size="11" fill="%s">%s</text>`+"\n", svgW-margin-120, margin+14*float64(k+1), s.color, s.name)
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

// writeBoundarySVG draws a 2-D classifier: the plane over [lo, hi]² shaded
// by prob(x0, x1) (blue for 0, red for 1) with the 0.5 level drawn as
// cells' edges, and the data points coloured by label.
func writeBoundarySVG(w io.Writer, title string, lo, hi float64, prob func(x0, x1 float64) float64, xs [][2]float64, labels []bool) error {
	bw := bufio.NewWriter(w)
	const cells = 80
	side := svgH - 2*margin
	px := func(v float64) float64 { return margin + side*(v-lo)/(hi-lo) }
	py := func(v float64) float64 { return svgH - margin - side*(v-lo)/(hi-lo) }
	svgHeader(bw, title)
	step := (hi - lo) / cells
	for i := range cells {
		for j := range cells {
			x0, x1 := lo+(float64(i)+0.5)*step, lo+(float64(j)+0.5)*step
			p := prob(x0, x1)
			r, b := int(255*p), int(255*(1-p))
			fmt.Fprintf(bw, `<rect x="%.1f" y="%.1f" width="%.2f" height="%.2f" fill="rgb(%d,200,%d)" fill-opacity="0.35"/>`+"\n",
				px(x0-step/2), py(x1+step/2), side/cells+0.3, side/cells+0.3, r, b)
		}
	}
	for i, p := range xs {
		color := "#1f4fd1"
		if labels[i] {
			color = "#d11f1f"
		}
		fmt.Fprintf(bw, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s" stroke="black" stroke-width="0.5"/>`+"\n", px(p[0]), py(p[1]), color)
	}
	fmt.Fprintf(bw, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="black"/>`+"\n", margin, margin, side, side)
	fmt.Fprintf(bw, `<text x="%g" y="%g" font-size="11">x0 and x1 from %g to %g; shading: predicted P(label 1)</text>`+"\n", margin, svgH-margin/3, lo, hi)
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

func svgHeader(w io.Writer, title string) {
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%g" y="%g" font-size="14" text-anchor="middle">%s</text>`+"\n", svgW/2, margin/2, title)
}
