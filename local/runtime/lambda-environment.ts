import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/contract.js';

// Imported first by the local runtime: Powertools reads these when the functions' modules create
// their logger and metrics, which happens as soon as they are imported. A user's own settings win.
process.env.POWERTOOLS_SERVICE_NAME ??= SERVICE_NAME;
process.env.POWERTOOLS_METRICS_NAMESPACE ??= METRICS_NAMESPACE;
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// Lambda runs Node 22; the SDK's warning about this machine's Node 20 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
