// Olist distributions (shared/reference/olist.md) and Brazilian geography the generator draws from.

export type Weighted<T> = readonly { value: T; weight: number }[];

/** A state, its share of Olist customers and sellers (%), CEP ranges (5-digit prefix), main cities (capital first). */
export interface StateInfo {
  state: string;
  customers: number;
  sellers: number;
  zips: readonly (readonly [number, number])[];
  cities: readonly string[];
}

export const STATES: readonly StateInfo[] = [
  {
    state: 'SP',
    customers: 41.7,
    sellers: 59.7,
    zips: [[1000, 19999]],
    cities: ['sao paulo', 'campinas', 'guarulhos', 'santo andre', 'sao bernardo do campo', 'osasco', 'ribeirao preto', 'sorocaba'],
  },
  { state: 'RJ', customers: 12.9, sellers: 4.9, zips: [[20000, 28999]], cities: ['rio de janeiro', 'niteroi', 'nova iguacu', 'duque de caxias', 'petropolis'] },
  { state: 'MG', customers: 11.7, sellers: 7.9, zips: [[30000, 39999]], cities: ['belo horizonte', 'uberlandia', 'juiz de fora', 'contagem', 'montes claros'] },
  { state: 'RS', customers: 5.5, sellers: 4.7, zips: [[90000, 99999]], cities: ['porto alegre', 'caxias do sul', 'pelotas', 'canoas'] },
  { state: 'PR', customers: 5.1, sellers: 11.3, zips: [[80000, 87999]], cities: ['curitiba', 'londrina', 'maringa', 'ponta grossa'] },
  { state: 'SC', customers: 3.7, sellers: 6.1, zips: [[88000, 89999]], cities: ['florianopolis', 'joinville', 'blumenau', 'itajai'] },
  { state: 'BA', customers: 3.4, sellers: 0.6, zips: [[40000, 48999]], cities: ['salvador', 'feira de santana', 'vitoria da conquista'] },
  {
    state: 'DF',
    customers: 2.2,
    sellers: 1.0,
    zips: [
      [70000, 72799],
      [73000, 73699],
    ],
    cities: ['brasilia'],
  },
  { state: 'ES', customers: 2.0, sellers: 0.7, zips: [[29000, 29999]], cities: ['vitoria', 'vila velha', 'serra'] },
  {
    state: 'GO',
    customers: 2.0,
    sellers: 1.3,
    zips: [
      [72800, 72999],
      [73700, 76799],
    ],
    cities: ['goiania', 'anapolis', 'aparecida de goiania'],
  },
  { state: 'PE', customers: 1.7, sellers: 0.3, zips: [[50000, 56999]], cities: ['recife', 'jaboatao dos guararapes', 'olinda'] },
  { state: 'CE', customers: 1.3, sellers: 0.4, zips: [[60000, 63999]], cities: ['fortaleza', 'caucaia', 'juazeiro do norte'] },
  { state: 'PA', customers: 1.0, sellers: 0.1, zips: [[66000, 68899]], cities: ['belem', 'ananindeua', 'santarem'] },
  { state: 'MT', customers: 0.9, sellers: 0.2, zips: [[78000, 78899]], cities: ['cuiaba', 'varzea grande'] },
  { state: 'MA', customers: 0.75, sellers: 0.05, zips: [[65000, 65999]], cities: ['sao luis', 'imperatriz'] },
  { state: 'MS', customers: 0.72, sellers: 0.1, zips: [[79000, 79999]], cities: ['campo grande', 'dourados'] },
  { state: 'PB', customers: 0.54, sellers: 0.2, zips: [[58000, 58999]], cities: ['joao pessoa', 'campina grande'] },
  { state: 'PI', customers: 0.5, sellers: 0.04, zips: [[64000, 64999]], cities: ['teresina'] },
  { state: 'RN', customers: 0.49, sellers: 0.2, zips: [[59000, 59999]], cities: ['natal', 'mossoro'] },
  { state: 'AL', customers: 0.41, sellers: 0.03, zips: [[57000, 57999]], cities: ['maceio'] },
  { state: 'SE', customers: 0.35, sellers: 0.04, zips: [[49000, 49999]], cities: ['aracaju'] },
  { state: 'TO', customers: 0.28, sellers: 0.03, zips: [[77000, 77999]], cities: ['palmas', 'araguaina'] },
  { state: 'RO', customers: 0.25, sellers: 0.05, zips: [[76800, 76999]], cities: ['porto velho', 'ji-parana'] },
  {
    state: 'AM',
    customers: 0.15,
    sellers: 0.03,
    zips: [
      [69000, 69299],
      [69400, 69899],
    ],
    cities: ['manaus'],
  },
  { state: 'AC', customers: 0.08, sellers: 0.03, zips: [[69900, 69999]], cities: ['rio branco'] },
  { state: 'AP', customers: 0.07, sellers: 0.01, zips: [[68900, 68999]], cities: ['macapa'] },
  { state: 'RR', customers: 0.05, sellers: 0.01, zips: [[69300, 69399]], cities: ['boa vista'] },
];

/** Portuguese category, English translation, relative popularity. Two real categories lack a translation. */
export const CATEGORIES: readonly { name: string; english: string | null; weight: number }[] = [
  ['cama_mesa_banho', 'bed_bath_table', 10],
  ['beleza_saude', 'health_beauty', 9],
  ['esporte_lazer', 'sports_leisure', 8],
  ['moveis_decoracao', 'furniture_decor', 7.5],
  ['informatica_acessorios', 'computers_accessories', 7],
  ['utilidades_domesticas', 'housewares', 6.2],
  ['relogios_presentes', 'watches_gifts', 5.3],
  ['telefonia', 'telephony', 4],
  ['ferramentas_jardim', 'garden_tools', 3.9],
  ['automotivo', 'auto', 3.8],
  ['brinquedos', 'toys', 3.7],
  ['cool_stuff', 'cool_stuff', 3.4],
  ['perfumaria', 'perfumery', 3],
  ['bebes', 'baby', 2.7],
  ['eletronicos', 'electronics', 2.5],
  ['papelaria', 'stationery', 2.2],
  ['fashion_bolsas_e_acessorios', 'fashion_bags_accessories', 1.8],
  ['pet_shop', 'pet_shop', 1.7],
  ['moveis_escritorio', 'office_furniture', 1.5],
  ['consoles_games', 'consoles_games', 1],
  ['malas_acessorios', 'luggage_accessories', 1],
  ['construcao_ferramentas_construcao', 'construction_tools_construction', 0.8],
  ['eletrodomesticos', 'home_appliances', 0.7],
  ['instrumentos_musicais', 'musical_instruments', 0.6],
  ['eletroportateis', 'small_appliances', 0.6],
  ['casa_construcao', 'home_construction', 0.5],
  ['livros_interesse_geral', 'books_general_interest', 0.5],
  ['alimentos', 'food', 0.4],
  ['moveis_sala', 'furniture_living_room', 0.4],
  ['casa_conforto', 'home_confort', 0.4],
  ['bebidas', 'drinks', 0.3],
  ['audio', 'audio', 0.3],
  ['market_place', 'market_place', 0.3],
  ['construcao_ferramentas_iluminacao', 'construction_tools_lights', 0.3],
  ['climatizacao', 'air_conditioning', 0.25],
  ['moveis_cozinha_area_de_servico_jantar_e_jardim', 'kitchen_dining_laundry_garden_furniture', 0.25],
  ['alimentos_bebidas', 'food_drink', 0.25],
  ['industria_comercio_e_negocios', 'industry_commerce_and_business', 0.24],
  ['livros_tecnicos', 'books_technical', 0.24],
  ['telefonia_fixa', 'fixed_telephony', 0.24],
  ['fashion_calcados', 'fashion_shoes', 0.23],
  ['eletrodomesticos_2', 'home_appliances_2', 0.21],
  ['construcao_ferramentas_jardim', 'costruction_tools_garden', 0.2],
  ['agro_industria_e_comercio', 'agro_industry_and_commerce', 0.19],
  ['artes', 'art', 0.18],
  ['pcs', 'computers', 0.18],
  ['sinalizacao_e_seguranca', 'signaling_and_security', 0.17],
  ['construcao_ferramentas_seguranca', 'construction_tools_safety', 0.17],
  ['artigos_de_natal', 'christmas_supplies', 0.14],
  ['fashion_roupa_masculina', 'fashion_male_clothing', 0.12],
  ['moveis_quarto', 'furniture_bedroom', 0.1],
  ['fashion_underwear_e_moda_praia', 'fashion_underwear_beach', 0.11],
  ['construcao_ferramentas_ferramentas', 'costruction_tools_tools', 0.09],
  ['tablets_impressao_imagem', 'tablets_printing_image', 0.07],
  ['livros_importados', 'books_imported', 0.05],
  ['portateis_casa_forno_e_cafe', 'small_appliances_home_oven_and_coffee', 0.07],
  ['cine_foto', 'cine_photo', 0.06],
  ['moveis_colchao_e_estofado', 'furniture_mattress_and_upholstery', 0.03],
  ['musica', 'music', 0.03],
  ['fashion_roupa_feminina', 'fashio_female_clothing', 0.04],
  ['fashion_esporte', 'fashion_sport', 0.03],
  ['artigos_de_festas', 'party_supplies', 0.04],
  ['la_cuisine', 'la_cuisine', 0.01],
  ['flores', 'flowers', 0.03],
  ['artes_e_artesanato', 'arts_and_craftmanship', 0.02],
  ['dvds_blu_ray', 'dvds_blu_ray', 0.05],
  ['fraldas_higiene', 'diapers_and_hygiene', 0.03],
  ['fashion_roupa_infanto_juvenil', 'fashion_childrens_clothes', 0.01],
  ['casa_conforto_2', 'home_comfort_2', 0.03],
  ['cds_dvds_musicais', 'cds_dvds_musicals', 0.01],
  ['seguros_e_servicos', 'security_and_services', 0.01],
  ['portateis_cozinha_e_preparadores_de_alimentos', null, 0.01],
  ['pc_gamer', null, 0.01],
].map(([name, english, weight]) => ({ name: name as string, english: english as string | null, weight: weight as number }));

/** Share of products with no category (610 of 32,951). */
export const UNCATEGORISED_PRODUCT_SHARE = 0.0185;

/** Items per order: P(n) from counts by order_item_id (1: 98,666, 2: 9,803, 3: 2,287, 4: 965, 5: 460, 6: 256). */
export const ITEMS_PER_ORDER: Weighted<number> = [
  { value: 1, weight: 88863 },
  { value: 2, weight: 7516 },
  { value: 3, weight: 1322 },
  { value: 4, weight: 505 },
  { value: 5, weight: 204 },
  { value: 6, weight: 120 },
  { value: 7, weight: 60 },
  { value: 8, weight: 30 },
  { value: 10, weight: 20 },
  { value: 12, weight: 12 },
  { value: 15, weight: 8 },
  { value: 21, weight: 6 },
];

/** An order's main way to pay (boleto, debit and voucher orders pay in one installment). */
export const PRIMARY_PAYMENT: Weighted<'credit_card' | 'boleto' | 'voucher' | 'debit_card' | 'not_defined'> = [
  { value: 'credit_card', weight: 76.8 },
  { value: 'boleto', weight: 19.9 },
  { value: 'debit_card', weight: 1.5 },
  { value: 'voucher', weight: 1.7 },
  { value: 'not_defined', weight: 0.003 },
];

/** Installments for credit cards (mean ~3.5); derived from Olist's counts less the 1-installment rows of other types. */
export const CARD_INSTALLMENTS: Weighted<number> = [
  { value: 1, weight: 25400 },
  { value: 2, weight: 12413 },
  { value: 3, weight: 10461 },
  { value: 4, weight: 7098 },
  { value: 5, weight: 5239 },
  { value: 6, weight: 3920 },
  { value: 7, weight: 1626 },
  { value: 8, weight: 4268 },
  { value: 9, weight: 644 },
  { value: 10, weight: 5328 },
  { value: 12, weight: 133 },
  { value: 15, weight: 74 },
  { value: 18, weight: 27 },
  { value: 24, weight: 18 },
  { value: 0, weight: 2 },
];

/** Share of orders that add vouchers before the main payment (multi-payment orders: 2,962 of 99,441). */
export const VOUCHER_SPLIT_SHARE = 0.025;
/** Vouchers per paying-by-voucher order: mostly one, sometimes split many ways (up to 29 rows in Olist). */
export const VOUCHER_COUNT: Weighted<number> = [
  { value: 1, weight: 80 },
  { value: 2, weight: 10 },
  { value: 3, weight: 4 },
  { value: 4, weight: 2 },
  { value: 5, weight: 1.5 },
  { value: 7, weight: 1 },
  { value: 10, weight: 1 },
  { value: 18, weight: 0.35 },
  { value: 28, weight: 0.15 },
];
/** Share of orders whose payments do not reconcile with items (303 of 98,665). */
export const PAYMENT_MISMATCH_SHARE = 0.003;
/** Share of orders with items from more than one seller (1.3%). */
export const MULTI_SELLER_SHARE = 0.013;
/** Price: lognormal with Olist's median 74.99 and mean 120.65, clamped to the observed range. */
export const PRICE = { median: 74.99, mean: 120.65, min: 0.85, max: 6735 } as const;
/** Freight per item: lognormal (median ~16.3, mean ~20), clamped; 383 of 112,650 items ship free. */
export const FREIGHT = { median: 16.26, mean: 19.99, min: 0, max: 409.68, freeShare: 0.0034 } as const;
/** Prices cluster on these endings (59.90, 69.90, 49.90 are Olist's most common). */
export const PRICE_ENDINGS: Weighted<number> = [
  { value: 0.9, weight: 45 },
  { value: 0.99, weight: 20 },
  { value: 0, weight: 15 },
  { value: -1, weight: 20 },
];

/** Olist's final statuses: how an order's lifecycle ends. */
export const LIFECYCLE_END: Weighted<'delivered' | 'shipped' | 'canceled' | 'unavailable' | 'invoiced' | 'processing'> = [
  { value: 'delivered', weight: 96478 },
  { value: 'shipped', weight: 1107 },
  { value: 'canceled', weight: 625 },
  { value: 'unavailable', weight: 609 },
  { value: 'invoiced', weight: 314 },
  { value: 'processing', weight: 301 },
];
/** Share of customer records whose person (customer_unique_id) bought before: 96,096 people for 99,441 orders. */
export const REPEAT_BUYER_SHARE = 0.034;
