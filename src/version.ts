/** The server's name and version (one place; the CLI reads them without loading the server). */
export const SERVER_NAME = 'espocrm-admin-mcp';
export const SERVER_VERSION = '0.1.0';
