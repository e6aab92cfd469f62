// Package lint holds tests that keep the package graph as DESIGN.md draws
// it; it has no code of its own.
package lint
