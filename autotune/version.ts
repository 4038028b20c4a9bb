/** The version of Tessera that writes tuning records (package.json's; a test keeps them equal). */
export const TESSERA_VERSION = '0.1.0';
