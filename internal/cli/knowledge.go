package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/knowledge"
)

// knowledgeCmd is the knowledge catalogue and its packages
// (docs/cooperation.md, "Knowledge exchange").
func knowledgeCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "knowledge",
		Short: "The knowledge catalogue (principles, programs, methodologies, instruments, materials) and knowledge packages",
	}
	var file, lang, kind, out string
	add := &cobra.Command{
		Use: "add --file ITEM.json", Short: "Add an item, or a new version of it (same slug)", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			var it knowledge.Item
			if err := readJSON(file, &it); err != nil {
				return err
			}
			v, err := a.Knowledge.Save(ctx, it)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: version %d\n", it.Slug, v)
			return nil
		}),
	}
	add.Flags().StringVar(&file, "file", "", "the item as JSON")
	add.MarkFlagRequired("file")
	list := &cobra.Command{
		Use: "list", Short: "List the catalogue", Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			items, err := a.Knowledge.List(ctx)
			if err != nil {
				return err
			}
			return printList(a, false, items, "the catalogue is empty: add items with 'fosis knowledge add' or import a package", "KIND\tSLUG\tVERSION\tSTATUS\tTITLE", func(tw io.Writer, i int) {
				it := items[i]
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", it.Kind, it.Slug, it.Version, it.Status, it.TitleES)
			})
		}),
	}
	search := &cobra.Command{
		Use: "search WORDS…", Short: "Full-text search in Spanish or English", Args: cobra.MinimumNArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			hits, err := a.Knowledge.Search(ctx, strings.Join(args, " "), lang, kind, 20)
			if err != nil {
				return err
			}
			if len(hits) == 0 {
				fmt.Fprintln(a.Stdout, "nothing found; try fewer words, or the other language (--lang)")
				return nil
			}
			for _, h := range hits {
				title := h.Item.TitleES
				if lang == "en" {
					title = h.Item.TitleEN
				}
				fmt.Fprintf(a.Stdout, "%s (%s, score %d): %s\n", h.Item.Slug, h.Item.Kind, h.Score, title)
				for _, p := range h.Projects {
					fmt.Fprintf(a.Stdout, "  shared in %s (%s) %s\n", p.Code, p.Country, p.Title)
					if p.Lessons != "" {
						fmt.Fprintf(a.Stdout, "    lessons: %s\n", p.Lessons)
					}
				}
			}
			return nil
		}),
	}
	search.Flags().StringVar(&lang, "lang", "es", "es or en")
	search.Flags().StringVar(&kind, "kind", "", "only one kind: "+strings.Join(knowledge.Kinds, ", "))
	show := &cobra.Command{
		Use: "show SLUG", Short: "An item with its projects, as JSON", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			e, err := a.Knowledge.Get(ctx, args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(a.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(e)
		}),
	}
	link := &cobra.Command{
		Use: "link SLUG PROJECT-CODE", Short: "Record that a cooperation project shared an item", Args: cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			if err := a.Knowledge.Link(ctx, args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s shared in %s\n", args[0], strings.ToUpper(args[1]))
			return nil
		}),
	}
	export := &cobra.Command{
		Use: "export SLUG --out FILE", Short: "Write a catalogue item (a program's design, a methodology, an instrument) as a versioned, checksummed knowledge package", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			b, err := a.Knowledge.Export(ctx, args[0])
			if err != nil {
				return err
			}
			if err := writeFile(out, b); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: package of %s\n", out, args[0])
			return nil
		}),
	}
	export.Flags().StringVar(&out, "out", "", "the file to write")
	export.MarkFlagRequired("out")
	imp := &cobra.Command{
		Use: "import FILE", Short: "Import a knowledge package as a draft to adapt", Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			it, err := a.Knowledge.Import(ctx, b)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s: imported as a draft (version %d); adapt it and save it with status published\n", it.Slug, it.Version)
			return nil
		}),
	}
	c.AddCommand(add, list, search, show, link, export, imp)
	return c
}
