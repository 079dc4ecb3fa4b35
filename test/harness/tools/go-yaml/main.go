// go-yaml reads a YAML document with gopkg.in/yaml.v3 into a map of strings (a value
// that is not a string, e.g. an unquoted number or boolean, fails the decode) and
// prints it as JSON, for the interop tests of `envsync export --format yaml`.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(in, &node); err != nil {
		fmt.Fprintln(os.Stderr, "yaml:", err)
		os.Exit(2)
	}
	out := map[string]string{}
	if len(node.Content) == 1 {
		m := node.Content[0]
		if m.Kind != yaml.MappingNode {
			fmt.Fprintln(os.Stderr, "not a mapping")
			os.Exit(2)
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if k.ShortTag() != "!!str" || v.ShortTag() != "!!str" {
				fmt.Fprintf(os.Stderr, "%q: key tag %s, value tag %s (not strings)\n", k.Value, k.ShortTag(), v.ShortTag())
				os.Exit(2)
			}
			out[k.Value] = v.Value
		}
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
