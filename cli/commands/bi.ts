import { defineCommand } from '../command.ts';

interface LookmlArgs {
  out: string;
}

interface TableauArgs {
  out: string;
  project: string;
}

const lookml = defineCommand<LookmlArgs>({
  command: 'lookml',
  describe: 'Write the LookML project (views, explores, KPI dashboard) for the BigQuery mart',
  builder: (y) =>
    y
      .options({ out: { type: 'string', default: './bi/looker', describe: 'Directory of the LookML project (its .lkml/.lookml files are replaced)' } })
      .example('orderflow bi lookml --out ./bi/looker', 'regenerate the committed project'),
  handler: async ({ out }) => {
    const { loadMartSchema } = await import('../../bi/mart-schema.ts');
    const { lookmlProject } = await import('../../bi/lookml.ts');
    const { writeGenerated } = await import('../../bi/write.ts');
    const files = await writeGenerated(out, lookmlProject(await loadMartSchema()), ['.lkml', '.lookml']);
    process.stdout.write(`wrote ${files.length} LookML files to ${out}\n`);
  },
});

const tableau = defineCommand<TableauArgs>({
  command: 'tableau',
  describe: 'Write a Tableau data source (.tds) per BigQuery mart table',
  builder: (y) =>
    y
      .options({
        out: { type: 'string', default: './bi/tableau', describe: 'Directory of the .tds files (its .tds files are replaced)' },
        project: { type: 'string', default: 'your-gcp-project', describe: 'BigQuery project of the mart dataset, written into each connection' },
      })
      .example('orderflow bi tableau --project my-proj --out ./tableau', 'data sources for your project'),
  handler: async ({ out, project }) => {
    const { loadMartSchema } = await import('../../bi/mart-schema.ts');
    const { tableauDataSources } = await import('../../bi/tableau.ts');
    const { writeGenerated } = await import('../../bi/write.ts');
    const files = await writeGenerated(out, tableauDataSources(await loadMartSchema(), project), ['.tds']);
    process.stdout.write(`wrote ${files.length} Tableau data sources to ${out}\n`);
  },
});

export const biCommand = defineCommand<object>({
  command: 'bi',
  describe: 'Generate BI definitions from the mart models: LookML (lookml) or Tableau data sources (tableau)',
  builder: (y) => y.command(lookml).command(tableau).demandCommand(1, 'name a target: lookml or tableau'),
  handler: () => undefined,
});
