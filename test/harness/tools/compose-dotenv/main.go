// Command compose-dotenv reads a .env file with docker compose's own parser
// (github.com/compose-spec/compose-go/v2/dotenv) and prints the values as JSON.
// Variables are looked up in the process environment, as `docker compose` does,
// so a value that compose would expand shows up expanded.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-dotenv FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	values, err := dotenv.ParseWithLookup(f, os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.Marshal(values)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
