/**
 * What CloudFront Functions runtime 2.0 documents, as a check on source text: ES 5.1 plus let/const,
 * arrow functions, template literals, rest parameters and async/await, and `import` of CloudFront's
 * own modules. The code is parsed with acorn and every syntax node must be on an allow-list, so
 * Node's leniency cannot hide a deploy failure. Returns the problems found (empty: accepted).
 */
import { type Node, parse } from 'acorn';

const ALLOWED_NODES = new Set([
  'Program',
  'ImportDeclaration',
  'ImportDefaultSpecifier',
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'VariableDeclaration',
  'VariableDeclarator',
  'Identifier',
  'Literal',
  'TemplateLiteral',
  'TemplateElement',
  'BlockStatement',
  'ExpressionStatement',
  'ReturnStatement',
  'IfStatement',
  'ForStatement',
  'ForInStatement',
  'WhileStatement',
  'DoWhileStatement',
  'BreakStatement',
  'ContinueStatement',
  'ThrowStatement',
  'TryStatement',
  'CatchClause',
  'SwitchStatement',
  'SwitchCase',
  'LabeledStatement',
  'EmptyStatement',
  'BinaryExpression',
  'LogicalExpression',
  'UnaryExpression',
  'UpdateExpression',
  'AssignmentExpression',
  'ConditionalExpression',
  'CallExpression',
  'NewExpression',
  'MemberExpression',
  'ObjectExpression',
  'Property',
  'ArrayExpression',
  'SequenceExpression',
  'ThisExpression',
  'AwaitExpression',
  'RestElement',
]);

const NAMES: Record<string, string> = {
  ObjectPattern: 'destructuring',
  ArrayPattern: 'destructuring',
  AssignmentPattern: 'default parameter values',
  ChainExpression: 'optional chaining (?.)',
  SpreadElement: 'spread (...)',
  ClassDeclaration: 'classes',
  ClassExpression: 'classes',
  ExportNamedDeclaration: 'export',
  ExportDefaultDeclaration: 'export',
  ExportAllDeclaration: 'export',
  ImportExpression: 'dynamic import()',
  ForOfStatement: 'for…of',
  TaggedTemplateExpression: 'tagged templates',
  YieldExpression: 'generators',
  MetaProperty: 'new.target / import.meta',
};

const FORBIDDEN_GLOBALS = new Set([
  'eval',
  'Function',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'queueMicrotask',
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'require',
  'process',
  'globalThis',
  'Proxy',
  'Reflect',
  'WeakRef',
  'Symbol',
]);

const RUNTIME_MODULES = new Set(['cloudfront', 'crypto', 'querystring', 'buffer']);
const ES5_ASSIGNMENT = new Set(['=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '>>>=', '|=', '^=', '&=', '**=']);

type AnyNode = Node & Record<string, any>;

export function checkCloudFrontRuntime2(code: string): string[] {
  const problems: string[] = [];
  let ast: AnyNode;
  try {
    ast = parse(code, { ecmaVersion: 2022, sourceType: 'module', locations: true }) as AnyNode;
  } catch (err) {
    return [`does not parse: ${(err as Error).message}`];
  }
  const report = (node: AnyNode, what: string) => problems.push(`line ${node.loc?.start.line ?? '?'}: ${what}`);

  const visit = (node: AnyNode, parent: AnyNode | null, field: string) => {
    if (!ALLOWED_NODES.has(node.type)) {
      report(node, `${NAMES[node.type] ?? node.type} is not supported by runtime 2.0`);
    }
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.generator) report(node, 'generators are not supported by runtime 2.0');
        break;
      case 'LogicalExpression':
        if (node.operator === '??') report(node, 'nullish coalescing (??) is not supported by runtime 2.0');
        break;
      case 'AssignmentExpression':
        if (!ES5_ASSIGNMENT.has(node.operator)) report(node, `the ${node.operator} operator is not supported by runtime 2.0`);
        break;
      case 'MemberExpression':
      case 'CallExpression':
        if (node.optional) report(node, 'optional chaining (?.) is not supported by runtime 2.0');
        break;
      case 'CatchClause':
        if (!node.param) report(node, 'catch without a binding is not supported by runtime 2.0');
        break;
      case 'Property':
        if (node.computed) report(node, 'computed property names are not supported by runtime 2.0');
        if (node.shorthand) report(node, 'shorthand properties are not supported by runtime 2.0');
        if (node.method) report(node, 'method shorthand is not supported by runtime 2.0');
        break;
      case 'RestElement':
        if (!parent || !['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'].includes(parent.type)) {
          report(node, 'rest elements outside parameter lists (destructuring) are not supported by runtime 2.0');
        }
        break;
      case 'Literal':
        if (typeof node.bigint === 'string') report(node, 'BigInt literals are not supported by runtime 2.0');
        if (node.regex && /[^gim]/.test(node.regex.flags)) report(node, `regular-expression flags "${node.regex.flags}" are not supported`);
        break;
      case 'ImportDeclaration':
        if (!RUNTIME_MODULES.has(node.source.value)) report(node, `import of "${node.source.value}" (only CloudFront's own modules exist)`);
        break;
      case 'Identifier': {
        // A property name (`a.fetch`, `{ fetch: 1 }`) is not a reference to the global.
        const isPropertyName =
          (parent?.type === 'MemberExpression' && field === 'property' && !parent.computed) ||
          (parent?.type === 'Property' && field === 'key');
        if (!isPropertyName && FORBIDDEN_GLOBALS.has(node.name)) report(node, `${node.name} is not available in CloudFront Functions`);
        break;
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc') continue;
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof child.type === 'string') visit(child, node, key);
      } else if (value && typeof value === 'object' && typeof (value as AnyNode).type === 'string') {
        visit(value as AnyNode, node, key);
      }
    }
  };
  visit(ast, null, '');

  const hasHandler = (ast.body as AnyNode[]).some((n) => n.type === 'FunctionDeclaration' && n.id?.name === 'handler');
  if (!hasHandler) problems.push('no top-level function handler(event)');
  return problems;
}
