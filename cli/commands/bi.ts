import { defineCommand } from '../command.ts';

interface LookmlArgs {
  outDir: string;
}

interface TableauArgs {
  outDir: string;
  project: string;
}

const lookml = defineCommand<LookmlArgs>({
  command: 'lookml',
  describe: 'Write the LookML project (views, explores, KPI dashboard) for the BigQuery mart',
  builder: (y) =>
    y
      .options({ 'out-dir': { type: 'string', default: './bi/looker', describe: 'Directory of the LookML project (its .lkml/.lookml files are replaced)' } })
      .example('orderflow bi lookml --out-dir ./bi/looker', 'regenerate the committed project'),
  handler: async ({ outDir }) => {
    const { loadMartSchema } = await import('../../bi/mart-schema.ts');
    const { lookmlProject } = await import('../../bi/lookml.ts');
    const { writeGenerated } = await import('../../bi/write.ts');
    const files = await writeGenerated(outDir, lookmlProject(await loadMartSchema()), ['.lkml', '.lookml']);
    process.stdout.write(`wrote ${files.length} LookML files to ${outDir}\n`);
  },
});

const tableau = defineCommand<TableauArgs>({
  command: 'tableau',
  describe: 'Write a Tableau data source (.tds) per BigQuery mart table',
  builder: (y) =>
    y
      .options({
        'out-dir': { type: 'string', default: './bi/tableau', describe: 'Directory of the .tds files (its .tds files are replaced)' },
        project: { type: 'string', default: 'your-gcp-project', describe: 'BigQuery project of the mart dataset, written into each connection' },
      })
      .example('orderflow bi tableau --project my-proj --out-dir ./tableau', 'data sources for your project'),
  handler: async ({ outDir, project }) => {
    const { loadMartSchema } = await import('../../bi/mart-schema.ts');
    const { tableauDataSources } = await import('../../bi/tableau.ts');
    const { writeGenerated } = await import('../../bi/write.ts');
    const files = await writeGenerated(outDir, tableauDataSources(await loadMartSchema(), project), ['.tds']);
    process.stdout.write(`wrote ${files.length} Tableau data sources to ${outDir}\n`);
  },
});

export const biCommand = defineCommand<object>({
  command: 'bi',
  describe: 'Generate BI definitions from the mart models: LookML (lookml) or Tableau data sources (tableau)',
  builder: (y) => y.command(lookml).command(tableau).demandCommand(1, 'name a target: lookml or tableau'),
  handler: () => undefined,
});
