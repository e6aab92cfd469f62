package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Chart geometry, in pixels.
const (
	chartWidth  = 1000
	labelWidth  = 180 // server names, left of the bars
	valueWidth  = 130 // value text, right of the bars
	barHeight   = 14
	barGap      = 4
	groupHeader = 22
	groupGap    = 12
	chartTop    = 44
	axisHeight  = 34
)

// palette colours the servers: rheo blue, kinesalite orange, kinesis-mock
// green; the second configuration of each is lighter.
var palette = map[string]color.RGBA{
	"rheo (durable)":         {0x1f, 0x4e, 0x9a, 0xff},
	"rheo (--sync never)":    {0x7a, 0xa6, 0xe0, 0xff},
	"kinesalite (memory)":    {0xd9, 0x6c, 0x00, 0xff},
	"kinesalite (--path)":    {0xf2, 0xb0, 0x6b, 0xff},
	"kinesis-mock (memory)":  {0x2e, 0x8b, 0x3e, 0xff},
	"kinesis-mock (persist)": {0x8f, 0xcf, 0x8f, 0xff},
}

var (
	ink   = color.RGBA{0x22, 0x22, 0x22, 0xff}
	grey  = color.RGBA{0x88, 0x88, 0x88, 0xff}
	grid  = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// bar is one server's value in a workload group.
type bar struct {
	name  string
	value float64 // ≤ 0: no value
	text  string  // printed right of the bar
}

// group is one workload.
type group struct {
	title string
	bars  []bar
}

// chartGroups extracts the throughput of every workload and server.
func chartGroups(res runResult) []group {
	var gs []group
	for _, w := range workloads(res.Targets) {
		m := throughput(w.Scenario)
		g := group{title: ascii(w.Label) + " (" + m.unit + ", log scale)"}
		for _, t := range res.Targets {
			b := bar{name: t.Name, text: "skipped"}
			if t.Skipped == "" {
				b.text = "-"
				if s := t.step(w.ID); s != nil {
					if v, ok := m.value(s); ok && v > 0 {
						b.value, b.text = v, num(v)+" "+m.unit
					} else {
						b.text = noValue(s)
					}
				}
			}
			g.bars = append(g.bars, b)
		}
		gs = append(gs, g)
	}
	return gs
}

// ascii replaces the characters basicfont lacks.
func ascii(s string) string {
	return strings.NewReplacer("×", "x", "–", "-", "÷", "/").Replace(s)
}

// logRange returns the decades [lo, hi] covering every positive value.
func logRange(gs []group) (lo, hi int) {
	minV, maxV := math.Inf(1), math.Inf(-1)
	for _, g := range gs {
		for _, b := range g.bars {
			if b.value > 0 {
				minV, maxV = math.Min(minV, b.value), math.Max(maxV, b.value)
			}
		}
	}
	if math.IsInf(minV, 1) {
		return 0, 1
	}
	lo, hi = int(math.Floor(math.Log10(minV))), int(math.Ceil(math.Log10(maxV)))
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// chart draws a horizontal bar chart of the throughputs on one log axis
// (each bar is labelled with its value and unit) and returns it as PNG.
func chart(res runResult) ([]byte, error) {
	gs := chartGroups(res)
	rows := 0
	for _, g := range gs {
		rows += len(g.bars)
	}
	height := chartTop + len(gs)*(groupHeader+groupGap) + rows*(barHeight+barGap) + axisHeight
	img := image.NewRGBA(image.Rect(0, 0, chartWidth, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)

	x0, x1 := labelWidth, chartWidth-valueWidth
	lo, hi := logRange(gs)
	xOf := func(v float64) int {
		f := (math.Log10(v) - float64(lo)) / float64(hi-lo)
		return x0 + int(math.Round(f*float64(x1-x0)))
	}
	title := "Kinesis API throughput: rheo vs kinesalite vs kinesis-mock"
	if res.Profile == "quick" {
		title += " (quick run, not a measurement)"
	}
	text(img, 10, 20, ink, title)
	text(img, 10, 36, grey, ascii(fmt.Sprintf("%s, nproc %d, %s UTC; higher is better", res.Machine.CPU, res.Machine.NProc, res.Started.Format("2006-01-02 15:04"))))

	// Decade grid lines behind the bars.
	bottom := height - axisHeight + 4
	for d := lo; d <= hi; d++ {
		x := xOf(math.Pow(10, float64(d)))
		fill(img, image.Rect(x, chartTop, x+1, bottom), grid)
		l := decadeLabel(d)
		text(img, x-len(l)*7/2, bottom+16, grey, l)
	}

	fill(img, image.Rect(x0, chartTop, x0+1, bottom), ink) // the axis, under the titles

	y := chartTop
	for _, g := range gs {
		y += groupGap
		fill(img, image.Rect(0, y, chartWidth, y+groupHeader), white) // keep the grid out of the title
		text(img, 10, y+14, ink, g.title)
		y += groupHeader
		for _, b := range g.bars {
			c, ok := palette[b.name]
			if !ok {
				c = grey
			}
			text(img, 20, y+barHeight-2, ink, ascii(b.name))
			end := x0
			if b.value > 0 {
				end = max(xOf(b.value), x0+2)
				fill(img, image.Rect(x0, y, end, y+barHeight), c)
			}
			text(img, end+6, y+barHeight-2, ink, b.text)
			y += barHeight + barGap
		}
	}

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decadeLabel prints 10^d as a plain number.
func decadeLabel(d int) string {
	if d >= 0 {
		return addCommas(fmt.Sprintf("%.0f", math.Pow(10, float64(d))))
	}
	return strings.TrimRight(fmt.Sprintf("%.*f", -d, math.Pow(10, float64(d))), "0")
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws s with its baseline at y.
func text(img *image.RGBA, x, y int, c color.Color, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
