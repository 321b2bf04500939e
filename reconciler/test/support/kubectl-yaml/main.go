// kubectl-yaml reads YAML exactly as `kubectl apply -f` does (cli-runtime's resource builder in local
// mode: kubectl's document splitting, sigs.k8s.io/yaml's YAML-to-JSON conversion, List flattening)
// and prints what it read, so the reconciler's YAML reading can be checked against the real thing.
//
// Input on stdin: a JSON array of {"name": "...", "yaml": "..."}.
// Output on stdout: a JSON array of {"name": "...", "objects": [...], "errors": ["..."]}.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/cli-runtime/pkg/resource"
)

type readCase struct {
	Name string `json:"name"`
	YAML string `json:"yaml"`
}

type readResult struct {
	Name    string                   `json:"name"`
	Objects []map[string]interface{} `json:"objects"`
	Errors  []string                 `json:"errors"`
}

func read(c readCase) readResult {
	result := readResult{Name: c.Name, Objects: []map[string]interface{}{}, Errors: []string{}}
	infos, err := resource.NewLocalBuilder().
		Unstructured().
		ContinueOnError().
		Stream(strings.NewReader(c.YAML), c.Name).
		Flatten().
		Do().
		Infos()
	for _, info := range infos {
		if object, ok := info.Object.(*unstructured.Unstructured); ok {
			result.Objects = append(result.Objects, object.Object)
		}
	}
	if err != nil {
		if aggregate, ok := err.(utilerrors.Aggregate); ok {
			for _, each := range aggregate.Errors() {
				result.Errors = append(result.Errors, each.Error())
			}
		} else {
			result.Errors = append(result.Errors, err.Error())
		}
	}
	return result
}

func main() {
	var cases []readCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintf(os.Stderr, "kubectl-yaml: stdin must be a JSON array of {name, yaml}: %v\n", err)
		os.Exit(2)
	}
	results := make([]readResult, 0, len(cases))
	for _, c := range cases {
		results = append(results, read(c))
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintf(os.Stderr, "kubectl-yaml: %v\n", err)
		os.Exit(1)
	}
}
