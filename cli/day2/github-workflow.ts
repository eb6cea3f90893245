/**
 * The GitHub Actions workflow `kip ci github` (and `kip init --ci github`) writes. On a pull request it runs
 * `kip diff --markdown` (offline: safe for pull requests from forks, which get no secrets) and, when the repository
 * has Pulumi credentials, `kip preview --markdown`, and keeps one sticky comment up to date (found by its marker and
 * edited in place). On the main branch it runs `kip up`. Actions are pinned to full commit SHAs (tag in a comment),
 * and every job gets only the permissions it needs.
 *
 * The pull request's code runs with `pull_request` (never `pull_request_target`), so a fork's stack file never runs
 * next to a secret or a write token; for forks GitHub makes the token read-only, and the comment goes to the job
 * summary instead. Values from the event reach shell commands only through environment variables.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** Actions the workflow uses, pinned to the commit of a release (the tag is in the comment). */
export const PINNED_ACTIONS = {
  checkout: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
  setupNode: "actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af # v4.1.0",
  githubScript: "actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea # v7.0.1",
  pulumi: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0",
} as const;

/** Where the workflow goes, relative to the repository root. */
export const WORKFLOW_PATH = ".github/workflows/skipper.yml";

/** The marker of the one comment the workflow keeps on a pull request. */
export const COMMENT_MARKER = "<!-- kip-ci -->";

export interface WorkflowOptions {
  /** The Pulumi stack `kip preview` and `kip up` use. @default "prod" */
  readonly stack?: string;
  /** The branch whose pushes deploy. @default "main" */
  readonly branch?: string;
  /** The project folder relative to the repository root ("" for the root). @default "" */
  readonly projectDir?: string;
  /** Node.js major version. @default 24 */
  readonly nodeVersion?: number;
}

const NAME = /^[A-Za-z0-9][\w./-]*$/;

function checkName(what: string, v: string): string {
  if (!NAME.test(v) || v.includes("..")) {
    throw new Error(`${what} '${v}' has characters a workflow cannot carry safely (letters, digits, - _ . / only)`);
  }
  return v;
}

/** The workflow YAML. */
export function renderWorkflow(opts: WorkflowOptions = {}): string {
  const stack = checkName("stack", opts.stack ?? "prod");
  const branch = checkName("branch", opts.branch ?? "main");
  const dir = opts.projectDir ? checkName("project folder", opts.projectDir) : "";
  const node = opts.nodeVersion ?? 24;
  const workdir = dir ? `\n    defaults:\n      run:\n        working-directory: ${dir}` : "";
  const lock = dir ? `${dir}/package-lock.json` : "package-lock.json";
  const setup = `      - uses: ${PINNED_ACTIONS.checkout}
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: ${PINNED_ACTIONS.setupNode}
        with:
          node-version: ${node}
          cache: npm
          cache-dependency-path: ${lock}
      - run: npm ci`;
  return `# Written by \`kip ci github\`. Pull requests get one comment saying what the change does (kip diff, offline;
# kip preview too when the repository has Pulumi credentials); pushes to ${branch} deploy with kip up.
# Secrets it reads (Settings → Secrets and variables → Actions): PULUMI_ACCESS_TOKEN (Pulumi Cloud) or
# PULUMI_BACKEND_URL (a self-managed backend), PULUMI_CONFIG_PASSPHRASE (passphrase-encrypted stacks).
# Actions are pinned to commit SHAs; update them with their tags in mind.
name: skipper

on:
  pull_request:
  push:
    branches: [${branch}]

permissions:
  contents: read

jobs:
  diff:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pull-requests: write${workdir}
    env:
      PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}
      PULUMI_BACKEND_URL: \${{ secrets.PULUMI_BACKEND_URL }}
      PULUMI_CONFIG_PASSPHRASE: \${{ secrets.PULUMI_CONFIG_PASSPHRASE }}
      BASE_REF: \${{ github.base_ref }}
    steps:
${setup}
      - name: kip diff
        run: |
          echo '${COMMENT_MARKER}' > "$RUNNER_TEMP/comment.md"
          npx kip diff --stack ${stack} --base "origin/$BASE_REF" --markdown --max-chars 40000 --quiet >> "$RUNNER_TEMP/comment.md"
      - name: Install the Pulumi CLI
        if: env.PULUMI_ACCESS_TOKEN != '' || env.PULUMI_BACKEND_URL != ''
        uses: ${PINNED_ACTIONS.pulumi}
      - name: kip preview
        if: env.PULUMI_ACCESS_TOKEN != '' || env.PULUMI_BACKEND_URL != ''
        run: |
          printf '\\n' >> "$RUNNER_TEMP/comment.md"
          npx kip preview --stack ${stack} --markdown --max-chars 20000 >> "$RUNNER_TEMP/comment.md"
      - name: Job summary
        if: always()
        run: cat "$RUNNER_TEMP/comment.md" >> "$GITHUB_STEP_SUMMARY"
      - name: Post or update the pull-request comment
        # A fork's token cannot comment; its summary above has the same text.
        if: github.event.pull_request.head.repo.full_name == github.repository
        uses: ${PINNED_ACTIONS.githubScript}
        env:
          COMMENT_FILE: \${{ runner.temp }}/comment.md
        with:
          script: |
            const fs = require("node:fs");
            const body = fs.readFileSync(process.env.COMMENT_FILE, "utf8");
            const marker = ${JSON.stringify(COMMENT_MARKER)};
            const { owner, repo } = context.repo;
            const issue_number = context.payload.pull_request.number;
            const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number });
            const mine = comments.find((c) => c.user?.type === "Bot" && c.body?.startsWith(marker));
            if (mine) await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
            else await github.rest.issues.createComment({ owner, repo, issue_number, body });

  deploy:
    if: github.event_name == 'push' && github.ref == 'refs/heads/${branch}'
    runs-on: ubuntu-latest
    # Add required reviewers to this environment to approve every deployment.
    environment: ${stack}
    concurrency:
      group: skipper-deploy-${stack}
      cancel-in-progress: false
    permissions:
      contents: read${workdir}
    env:
      PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}
      PULUMI_BACKEND_URL: \${{ secrets.PULUMI_BACKEND_URL }}
      PULUMI_CONFIG_PASSPHRASE: \${{ secrets.PULUMI_CONFIG_PASSPHRASE }}
    steps:
${setup}
      - uses: ${PINNED_ACTIONS.pulumi}
      - name: kip up
        run: npx kip up --stack ${stack} --yes
`;
}

export interface WrittenWorkflow {
  /** Absolute path of the workflow file. */
  readonly path: string;
  /** Whether a file was there before (and was replaced because `force` was set). */
  readonly replaced: boolean;
}

/**
 * Write the workflow for the project in `projectDir` at the root of its repository (`repoRoot`, default: the
 * project folder). An existing workflow that kip did not write is never replaced; one it wrote is replaced only with
 * `force`. This is what `kip init --ci github` calls.
 */
export function writeGithubWorkflow(
  projectDir: string,
  opts: WorkflowOptions & { readonly repoRoot?: string; readonly force?: boolean } = {},
): WrittenWorkflow {
  const root = opts.repoRoot ?? projectDir;
  const rel = relative(root, projectDir);
  if (rel.startsWith("..")) throw new Error(`the project ${projectDir} is outside the repository ${root}`);
  const path = join(root, WORKFLOW_PATH);
  const yaml = renderWorkflow({ ...opts, projectDir: rel });
  const exists = existsSync(path);
  if (exists) {
    const ours = readFileSync(path, "utf8").startsWith("# Written by `kip ci github`");
    if (!ours) throw new Error(`${path} exists and was not written by kip; move it away or merge by hand`);
    if (!opts.force && readFileSync(path, "utf8") !== yaml) {
      throw new Error(`${path} exists (written by kip, since edited or older); pass --force to replace it`);
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, yaml);
  return { path, replaced: exists };
}
