// Command demo trains a small network with chainrule.
//
// Until the training demo lands it only says so; it runs so that the
// README's first command works on a fresh machine.
package main

import "fmt"

func main() {
	fmt.Println("chainrule demo: the training walkthrough is not built yet (see README.md).")
}
